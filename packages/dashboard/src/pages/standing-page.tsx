// Standing approvals: what each covers (agent, action type, constraints), how much of it is left,
// who granted it, and a revoke that asks to be confirmed; refreshed as actions are decided.

import { useState } from 'preact/hooks';
import { api, get, messageOf } from '../api/client.js';
import { useLive } from '../api/live.js';
import type { StandingApproval } from '../api/types.js';
import { useResource } from '../api/use-resource.js';
import { shown } from '../lib/shown.js';
import { describeConstraints } from '../lib/standing.js';
import { formatTime, timeLeft } from '../lib/time.js';
import { useNow } from '../lib/use-now.js';
import { canDecide, useMe } from '../session.js';
import { Empty, ErrorNotice, Loading } from '../ui/notice.js';
import { Link } from '../ui/link.js';
import { ToggleGroup } from '../ui/toggle-group.js';

type Tab = 'active' | 'all';

function statusOf(standing: StandingApproval): string {
  if (standing.revoked_at !== null) return 'revoked';
  if (standing.active) return 'active';
  return standing.uses_left === 0 ? 'used up' : 'expired';
}

function StandingRow(props: { standing: StandingApproval; now: number; canRevoke: boolean; onRevoked: (message: string) => void }) {
  const { standing } = props;
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const status = statusOf(standing);
  const label = `${shown(standing.agent)} ${shown(standing.action_type)}`;

  async function revoke(): Promise<void> {
    setBusy(true);
    setError(undefined);
    try {
      await api('DELETE', `/v1/standing-approvals/${encodeURIComponent(standing.id)}`);
      props.onRevoked(`Revoked the standing approval for ${label}: later actions open a request again.`);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  }

  return (
    <tr data-standing={standing.id} aria-label={label} class={standing.active ? '' : 'muted'}>
      <td>{shown(standing.agent)}</td>
      <td>
        <code>{shown(standing.action_type)}</code>
      </td>
      <td data-testid="constraints">{describeConstraints(standing.constraints)}</td>
      <td data-testid="uses-left">{standing.uses_left === null ? 'no limit' : `${standing.uses_left} of ${standing.uses ?? '—'}`}</td>
      <td title={formatTime(standing.expires_at)}>
        {standing.expires_at === null
          ? 'no limit'
          : standing.active
            ? timeLeft(standing.expires_at, props.now).text
            : formatTime(standing.expires_at)}
      </td>
      <td>
        {shown(standing.approver_name ?? standing.approver_id)}
        <div class="small">
          <Link href={`/approvals/${encodeURIComponent(standing.approval_id)}`}>from this request</Link>
        </div>
      </td>
      <td>
        <span class={`badge status-${status.replace(' ', '-')}`} data-testid="status">
          {status}
        </span>
      </td>
      <td>
        {props.canRevoke && standing.active && (
          <div class="row-actions">
            {confirming ? (
              <>
                <button type="button" class="danger" disabled={busy} onClick={() => void revoke()}>
                  Confirm revoke
                </button>
                <button type="button" onClick={() => setConfirming(false)}>
                  Keep it
                </button>
              </>
            ) : (
              <button type="button" disabled={busy} onClick={() => setConfirming(true)}>
                Revoke…
              </button>
            )}
          </div>
        )}
        {error !== undefined && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </td>
    </tr>
  );
}

export function StandingPage() {
  const me = useMe();
  const now = useNow(30_000);
  const [tab, setTab] = useState<Tab>('active');
  const [message, setMessage] = useState<string | undefined>(undefined);
  const list = useResource(
    () => get<{ standing_approvals: StandingApproval[] }>(`/v1/standing-approvals?limit=200${tab === 'active' ? '&active=true' : ''}`),
    [tab],
  );
  // A use shows as an action decided at once; a grant, as the request it came from being decided.
  useLive(['action.decided', 'approval.decided'], list.reload, list.reload);

  return (
    <section>
      <h1>Standing approvals</h1>
      <p class="muted">
        Approvals that cover more of the same: later actions of one agent and action type inside the constraints are approved at once, until
        the uses or the time run out or someone revokes them.
      </p>
      <div class="view-switch">
        <ToggleGroup
          label="Which standing approvals"
          options={
            [
              ['active', 'Active'],
              ['all', 'All'],
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
      {list.error !== undefined && <ErrorNotice>{list.error}</ErrorNotice>}
      {list.data === undefined ? (
        list.error === undefined && <Loading />
      ) : list.data.standing_approvals.length === 0 ? (
        <Empty>{tab === 'active' ? 'No standing approval is active.' : 'No standing approvals yet.'}</Empty>
      ) : (
        <div class="table-scroll standing-scroll">
          <table class="data standing-table">
            <thead>
              <tr>
                <th scope="col">Agent</th>
                <th scope="col">Action type</th>
                <th scope="col">Constraints</th>
                <th scope="col">Uses left</th>
                <th scope="col">Expires</th>
                <th scope="col">Approver</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="visually-hidden">Revoke</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.standing_approvals.map((standing) => (
                <StandingRow
                  key={standing.id}
                  standing={standing}
                  now={now}
                  canRevoke={canDecide(me)}
                  onRevoked={(said) => {
                    setMessage(said);
                    list.reload();
                  }}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
