// Shadow rollout (DESIGN §3.6): the draft runs beside the live policy on every decision, enforcing
// nothing, and its differences are recorded; an admin promotes it (after a confirm step) or stops
// it. Everything goes through /v1/policy/shadow and /v1/policy/shadow/promote.

import { useRef, useState } from 'preact/hooks';
import { ApiError, del, get, messageOf, post, put } from '../api/client.js';
import { useResource } from '../api/use-resource.js';
import { formatTime } from '../lib/time.js';
import { text } from '../lib/summary.js';
import { DiagnosticList, type Diagnostic } from './diagnostic-list.js';
import type { DraftFile } from './policy-draft.js';

export interface ShadowSummary {
  version: string;
  live_version: string;
  loaded_at: string;
  evaluated: number;
  differed: number;
  stored: { total: number; stricter: number; looser: number };
  changes: { from: string; to: string; direction: 'stricter' | 'looser'; live_rule: string; shadow_rule: string; count: number }[];
  examples: {
    id: string;
    agent: string;
    action_type: string | null;
    environment: string | null;
    live_decision: string;
    shadow_decision: string;
    live_gate: string;
    shadow_gate: string;
    created_at: number | string;
  }[];
}

const short = (version: string): string => version.replace(/^sha256:/, '').slice(0, 12);
const decision = (value: string): string => value.replace(/_/g, ' ');
const decisions = (count: number): string => `${count} ${count === 1 ? 'decision' : 'decisions'}`;

/**
 * The running shadow, or null when none is loaded. GET /v1/policy says whether one runs, so that
 * no shadow (the usual state) is not asked for and answered with a 404 the browser logs as an
 * error; one stopped in between still answers `shadow.not_set`, read as none.
 */
async function loadShadow(): Promise<ShadowSummary | null> {
  if ((await get<{ shadow: unknown }>('/v1/policy')).shadow === null) return null;
  try {
    return await get<ShadowSummary>('/v1/policy/shadow');
  } catch (failure) {
    if (failure instanceof ApiError && failure.code === 'shadow.not_set') return null;
    throw failure;
  }
}

type Said = { ok: boolean; text: string; diagnostics?: Diagnostic[] };

export function ShadowRollout(props: { draft: DraftFile[]; canChange: boolean; onPromoted: () => void }) {
  const shadow = useResource(loadShadow, []);
  const [said, setSaid] = useState<Said | undefined>(undefined);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const confirm = useRef<HTMLDivElement>(null);
  const running = shadow.data ?? null;

  async function act(work: () => Promise<string>): Promise<void> {
    if (busy) return;
    setBusy(true);
    setSaid(undefined);
    try {
      setSaid({ ok: true, text: await work() });
    } catch (failure) {
      const diagnostics = failure instanceof ApiError ? (failure.details?.diagnostics as Diagnostic[] | undefined) : undefined;
      setSaid({ ok: false, text: messageOf(failure), ...(diagnostics === undefined ? {} : { diagnostics }) });
    } finally {
      setBusy(false);
      shadow.reload();
    }
  }

  const start = (): Promise<void> =>
    act(async () => {
      const blank = props.draft.findIndex((file) => file.path.trim() === '' || file.text.trim() === '');
      if (blank !== -1) throw new Error(`paste the draft above first: file ${blank + 1} needs a name and some YAML`);
      const answer = await put<{ version: string; live_version: string }>('/v1/policy/shadow', {
        files: props.draft.map((file) => ({ path: file.path.trim(), text: file.text })),
      });
      return `The draft runs as the shadow: version ${short(answer.version)} beside live ${short(answer.live_version)}.`;
    });

  const stop = (): Promise<void> =>
    act(async () => {
      await del('/v1/policy/shadow');
      setConfirming(false);
      return 'The shadow is stopped; the live policy is unchanged.';
    });

  const promote = (): Promise<void> =>
    act(async () => {
      const answer = await post<{ version: string; previous: string }>('/v1/policy/shadow/promote');
      setConfirming(false);
      props.onPromoted();
      return `Version ${short(answer.version)} is live now (it was ${short(answer.previous)}).`;
    });

  function askToPromote(): void {
    setConfirming(true);
    // The question takes the focus, so a keyboard or screen-reader user lands on it.
    setTimeout(() => confirm.current?.focus(), 0);
  }

  return (
    <section class="card" aria-labelledby="shadow-title">
      <h2 id="shadow-title">Shadow rollout</h2>
      <p class="muted small">
        A shadow policy is evaluated beside the live one on every decision and enforces nothing; where the two disagree it is recorded.
        Promote it once its differences look right.
      </p>
      {shadow.error !== undefined && (
        <p class="error" role="alert">
          {shadow.error}
        </p>
      )}
      <div data-testid="shadow-status">
        {shadow.data === undefined ? (
          shadow.error === undefined && <p class="muted">Loading…</p>
        ) : running === null ? (
          <p>No shadow policy is running.</p>
        ) : (
          <Differences summary={running} />
        )}
      </div>
      {props.canChange ? (
        <div class="toolbar shadow-actions">
          <button type="button" class={running === null ? 'primary' : ''} onClick={() => void start()}>
            {running === null ? 'Start shadow with the draft' : 'Replace the shadow with the draft'}
          </button>
          {running !== null && (
            <>
              <button type="button" onClick={() => shadow.reload()}>
                Refresh differences
              </button>
              <button type="button" class="primary" aria-expanded={confirming} onClick={askToPromote}>
                Promote to live…
              </button>
              <button type="button" onClick={() => void stop()}>
                Stop shadow
              </button>
            </>
          )}
        </div>
      ) : (
        <p class="muted small">Admins start, promote and stop a shadow.</p>
      )}
      {confirming && running !== null && (
        <div ref={confirm} class="confirm" role="group" aria-labelledby="promote-title" tabIndex={-1} data-testid="promote-confirm">
          <h3 id="promote-title">Make the shadow the live policy?</h3>
          <p>
            Version <code>{short(running.version)}</code> replaces <code>{short(running.live_version)}</code> for every decision from now
            on. Of the {decisions(running.evaluated)} it saw, {running.differed} would have differed ({running.stored.stricter} stricter,{' '}
            {running.stored.looser} looser). The promotion is audited.
          </p>
          <div class="form-buttons">
            <button type="button" class="danger" disabled={busy} onClick={() => void promote()}>
              Promote version {short(running.version)}
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {said !== undefined && (
        <div role={said.ok ? 'status' : 'alert'} class={said.ok ? 'result ok' : 'error'} data-testid="shadow-result">
          {said.text}
          {said.diagnostics !== undefined && <DiagnosticList diagnostics={said.diagnostics} />}
        </div>
      )}
    </section>
  );
}

function Differences(props: { summary: ShadowSummary }) {
  const { summary } = props;
  return (
    <>
      <p>
        Shadow <code data-testid="shadow-version">{short(summary.version)}</code> runs beside live{' '}
        <code>{short(summary.live_version)}</code> since {formatTime(summary.loaded_at)}. It saw{' '}
        <strong>{decisions(summary.evaluated)}</strong> here; <strong>{summary.differed}</strong> would have differed.
      </p>
      <p data-testid="shadow-counts">
        Recorded differences: {summary.stored.total} ({summary.stored.stricter} stricter, {summary.stored.looser} looser)
      </p>
      {summary.changes.length > 0 && (
        <div class="table-scroll">
          <table class="data">
            <caption class="muted">What the shadow would change</caption>
            <thead>
              <tr>
                <th scope="col">Live decision</th>
                <th scope="col">Shadow decision</th>
                <th scope="col">Direction</th>
                <th scope="col">Live rule → shadow rule</th>
                <th scope="col">Count</th>
              </tr>
            </thead>
            <tbody>
              {summary.changes.map((change) => (
                <tr key={`${change.from}-${change.to}-${change.live_rule}-${change.shadow_rule}`}>
                  <td>{decision(change.from)}</td>
                  <td>{decision(change.to)}</td>
                  <td>{change.direction}</td>
                  <td>
                    {change.live_rule} → {change.shadow_rule}
                  </td>
                  <td>{change.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {summary.examples.length > 0 && (
        <details>
          <summary>Latest examples</summary>
          <ul class="small">
            {summary.examples.map((example) => (
              <li key={example.id}>
                {formatTime(typeof example.created_at === 'number' ? new Date(example.created_at).toJSON() : example.created_at)}:{' '}
                {example.agent} {text(example.action_type)} in {text(example.environment)}: {decision(example.live_decision)} (
                {example.live_gate}) → {decision(example.shadow_decision)} ({example.shadow_gate})
              </li>
            ))}
          </ul>
        </details>
      )}
    </>
  );
}
