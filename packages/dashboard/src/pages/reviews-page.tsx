// The post-execution review queue: actions that ran (REVIEW decisions and audit samples) waiting
// for a person to mark them ok, flag a problem that got through, or reverse them.

import { useState } from 'preact/hooks';
import { get, messageOf, post } from '../api/client.js';
import { useLive } from '../api/live.js';
import type { Review } from '../api/types.js';
import { useResource } from '../api/use-resource.js';
import { shown } from '../lib/shown.js';
import { formatTime, timeLeft } from '../lib/time.js';
import { useNow } from '../lib/use-now.js';
import { canDecide, useMe } from '../session.js';
import { StatusBadge } from '../ui/badges.js';
import { Empty, ErrorNotice, Loading } from '../ui/notice.js';
import { ToggleGroup } from '../ui/toggle-group.js';

type Tab = 'pending' | 'done';
const STATUSES: Record<Tab, string> = { pending: 'pending,reversing', done: 'ok,flagged,reversed' };

function describeReversal(review: Review): string | undefined {
  const reversal = review.reversal;
  if (reversal === null) return undefined;
  if (reversal.method === 'webhook') return `compensation webhook answered ${String(reversal.status ?? reversal.error ?? '')}`.trim();
  return `compensation job ${String(reversal.job_id ?? '')} ${String(reversal.status ?? '')}`.trim();
}

/** Where the reversal will go, shown before the reviewer confirms: the agent chose it. */
function ReversalTarget(props: { review: Review }) {
  const target = props.review.compensation;
  return (
    <span class="small reversal-target" data-testid="reversal-target">
      {target === null ? (
        'The agent reported no way to undo this action.'
      ) : target.method === 'webhook' ? (
        <>
          Reverse will POST to <code>{shown(target.url)}</code> (an address the agent reported)
        </>
      ) : (
        <>
          Reverse will queue a <code>{shown(target.capability)}</code> job for a worker
        </>
      )}
    </span>
  );
}

function ReviewRow(props: { review: Review; now: number; canAct: boolean; onDone: (message: string) => void }) {
  const { review } = props;
  const [note, setNote] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const label = shown(
    review.action.summary ??
      `${review.action.agent}: ${review.action.action_type ?? 'action'} in ${review.action.environment ?? 'any environment'}`,
  );
  const noteId = `review-note-${review.action_id}`;

  async function send(verdict: 'ok' | 'flag' | 'reverse'): Promise<void> {
    setError(undefined);
    if (verdict === 'flag' && note.trim() === '') {
      setError('a flag needs a note saying what went wrong');
      return;
    }
    setBusy(true);
    try {
      const after = await post<Review>(`/v1/actions/${review.action_id}/review`, {
        verdict,
        ...(note.trim() === '' ? {} : { note: note.trim() }),
      });
      const said = { ok: 'Marked ok', flag: 'Flagged as a miss', reverse: after.status === 'reversing' ? 'Reversal started' : 'Reversed' }[
        verdict
      ];
      const how = describeReversal(after);
      props.onDone(`${said}: ${label}${how === undefined ? '' : ` (${how})`}`);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  }

  return (
    <li class="card review" data-action={review.action_id} aria-label={label}>
      <div class="review-head">
        <strong>{label}</strong> <StatusBadge status={review.status} />
      </div>
      <div class="muted small">
        {shown(review.action.agent)} · {shown(review.action.action_type ?? 'action')}
        {review.action.environment !== null && ` in ${shown(review.action.environment)}`} · queued {formatTime(review.created_at)} because{' '}
        {review.reason}
        {review.status === 'pending' && review.due_at !== null && ` · review window: ${timeLeft(review.due_at, props.now).text}`}
      </div>
      <div class="small">
        outcome:{' '}
        {review.action.outcome === null
          ? 'not reported yet'
          : shown(`${review.action.outcome.status}${review.action.outcome.detail ? `: ${review.action.outcome.detail}` : ''}`)}
      </div>
      {review.note !== null && <div class="small">note: “{shown(review.note)}”</div>}
      {describeReversal(review) !== undefined && <div class="small">{shown(describeReversal(review))}</div>}
      {props.canAct && review.status === 'pending' && (
        <div class="review-actions">
          <label for={noteId}>Note (required to flag)</label>
          <input id={noteId} value={note} maxLength={4000} onInput={(e) => setNote(e.currentTarget.value)} />
          <div class="row-actions">
            <button type="button" disabled={busy} onClick={() => void send('ok')}>
              Mark ok
            </button>
            <button type="button" disabled={busy} onClick={() => void send('flag')}>
              Flag
            </button>
            {!review.action.reversible ? (
              <span class="muted small">the agent declared this irreversible</span>
            ) : confirming ? (
              <>
                <ReversalTarget review={review} />
                <button type="button" class="danger" disabled={busy} onClick={() => void send('reverse')}>
                  Confirm: run its compensation
                </button>
                <button type="button" onClick={() => setConfirming(false)}>
                  Keep it
                </button>
              </>
            ) : (
              <button type="button" class="danger" disabled={busy} onClick={() => setConfirming(true)}>
                Reverse…
              </button>
            )}
          </div>
        </div>
      )}
      {error !== undefined && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}

export function ReviewsPage() {
  const me = useMe();
  const now = useNow(30_000);
  const [tab, setTab] = useState<Tab>('pending');
  const [message, setMessage] = useState<string | undefined>(undefined);
  const reviews = useResource(() => get<{ reviews: Review[] }>(`/v1/reviews?status=${STATUSES[tab]}&limit=200`), [tab]);
  useLive(['action.decided', 'action.outcome'], reviews.reload, reviews.reload);

  return (
    <section>
      <h1>Review queue</h1>
      <p class="muted">Actions that ran without waiting for a person. Mark each ok, flag a problem that got through, or reverse it.</p>
      <div class="view-switch">
        <ToggleGroup
          label="Which reviews"
          options={
            [
              ['pending', 'To review'],
              ['done', 'Reviewed'],
            ] as const
          }
          value={tab}
          onChange={setTab}
        />
      </div>
      {message !== undefined && (
        <div class="result ok" role="status" data-testid="result">
          {message}
        </div>
      )}
      {reviews.error !== undefined && <ErrorNotice>{reviews.error}</ErrorNotice>}
      {reviews.data === undefined ? (
        reviews.error === undefined && <Loading />
      ) : reviews.data.reviews.length === 0 ? (
        <Empty>{tab === 'pending' ? 'Nothing to review.' : 'No reviews yet.'}</Empty>
      ) : (
        <ul class="reviews">
          {reviews.data.reviews.map((review) => (
            <ReviewRow
              key={review.action_id}
              review={review}
              now={now}
              canAct={canDecide(me)}
              onDone={(said) => {
                setMessage(said);
                reviews.reload();
              }}
            />
          ))}
        </ul>
      )}
    </section>
  );
}
