// The policy: the live version with its files and version history, a reload from disk, and a
// draft pasted here, validated and simulated against stored history, then run as a shadow beside
// the live policy and promoted when its differences look right.

import { useState } from 'preact/hooks';
import { ApiError, get, messageOf, post } from '../api/client.js';
import type { PolicyInfo } from '../api/types.js';
import { useLive } from '../api/live.js';
import { useResource } from '../api/use-resource.js';
import { EMPTY_DRAFT, PolicyDraft, type DraftFile } from '../policy/policy-draft.js';
import { ShadowRollout } from '../policy/shadow-rollout.js';
import { formatTime } from '../lib/time.js';
import { useMe } from '../session.js';
import { ErrorNotice, Loading } from '../ui/notice.js';
import { DiagnosticList, type Diagnostic } from '../policy/diagnostic-list.js';

const short = (version: string): string => version.replace(/^sha256:/, '').slice(0, 12);

function Reload(props: { onDone: () => void }) {
  const [result, setResult] = useState<{ ok: boolean; text: string; diagnostics?: Diagnostic[] } | undefined>(undefined);
  async function reload(): Promise<void> {
    try {
      const answer = await post<{ version: string; changed: boolean }>('/v1/policy/reload');
      setResult({ ok: true, text: answer.changed ? `Reloaded: version ${short(answer.version)} is live.` : 'The files have not changed.' });
      props.onDone();
    } catch (failure) {
      const diagnostics = failure instanceof ApiError ? (failure.details?.diagnostics as Diagnostic[] | undefined) : undefined;
      setResult({ ok: false, text: messageOf(failure), ...(diagnostics === undefined ? {} : { diagnostics }) });
    }
  }
  return (
    <div>
      <button type="button" onClick={() => void reload()}>
        Reload from files
      </button>
      {result !== undefined && (
        <div role={result.ok ? 'status' : 'alert'} class={result.ok ? 'result ok' : 'error'}>
          {result.text}
          {result.diagnostics !== undefined && <DiagnosticList diagnostics={result.diagnostics} />}
        </div>
      )}
    </div>
  );
}

export function PolicyPage() {
  const me = useMe();
  const policy = useResource(() => get<PolicyInfo>('/v1/policy'), []);
  const [draft, setDraft] = useState<DraftFile[]>(EMPTY_DRAFT);
  useLive(['policy.reloaded'], () => policy.reload(), policy.reload);
  if (policy.error !== undefined) return <ErrorNotice>{policy.error}</ErrorNotice>;
  if (policy.data === undefined) return <Loading />;
  const live = policy.data;
  return (
    <section>
      <h1>Policy</h1>
      <div class="grid-2">
        <section class="card" aria-labelledby="live-title">
          <h2 id="live-title">Live policy</h2>
          <p>
            version <code data-testid="live-version">{short(live.version)}</code>
          </p>
          <p class="small">
            {live.summary.rules} rules · environments {live.summary.environments.join(', ') || 'none'} · workflows{' '}
            {live.summary.workflows.join(', ') || 'none'} · groups {live.summary.groups.join(', ') || 'none'}
            {live.summary.autonomy && ' · autonomy table'}
            {live.summary.escalation && ' · escalation triggers'}
          </p>
          {live.warnings.length > 0 && <DiagnosticList diagnostics={live.warnings as Diagnostic[]} />}
          {me.role === 'admin' && <Reload onDone={policy.reload} />}
        </section>
        <section class="card" aria-labelledby="versions-title">
          <h2 id="versions-title">Version history</h2>
          <ol class="history" reversed>
            {[...live.versions].reverse().map((entry) => (
              <li key={`${entry.version}-${entry.loaded_at}`}>
                <code>{short(entry.version)}</code> loaded {formatTime(entry.loaded_at)}
                {entry.version === live.version && <strong> (live)</strong>}
              </li>
            ))}
          </ol>
        </section>
      </div>
      <section class="card" aria-labelledby="files-title">
        <h2 id="files-title">Files</h2>
        {live.files.map((file) => (
          <details key={file.path}>
            <summary>
              <code>{file.path.replace(/^(\.\.\/)+/, '')}</code>
            </summary>
            <pre class="json">{file.text}</pre>
          </details>
        ))}
      </section>
      {me.role === 'admin' ? (
        <PolicyDraft live={live.files} files={draft} onFiles={setDraft} />
      ) : (
        <p class="muted">Admins, who may change the policy, can validate and simulate a draft policy here.</p>
      )}
      <ShadowRollout draft={draft} canChange={me.role === 'admin'} onPromoted={policy.reload} />
    </section>
  );
}
