// A draft policy, pasted file by file: validated and replayed against the stored history by the
// server's simulation, which shows which decisions would change and the approval load it makes.

import { useState } from 'preact/hooks';
import { ApiError, messageOf, post } from '../api/client.js';
import { DiagnosticList, type Diagnostic } from './diagnostic-list.js';
import { SimulationReport, type Simulation } from './simulation-report.js';

export interface DraftFile {
  path: string;
  text: string;
}

export const EMPTY_DRAFT: DraftFile[] = [{ path: 'policy.yaml', text: '' }];

type Result =
  | { kind: 'report'; report: Simulation }
  | { kind: 'invalid'; message: string; diagnostics: Diagnostic[] }
  | { kind: 'error'; message: string };

/** The draft's files are the page's, so the shadow rollout below can run the same draft. */
export function PolicyDraft(props: { live: DraftFile[]; files: DraftFile[]; onFiles: (files: DraftFile[]) => void }) {
  const { files, onFiles: setFiles } = props;
  const [since, setSince] = useState('30d');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Result | undefined>(undefined);

  const update = (index: number, change: Partial<DraftFile>): void =>
    setFiles(files.map((file, i) => (i === index ? { ...file, ...change } : file)));

  async function simulate(event: Event): Promise<void> {
    event.preventDefault();
    const blank = files.findIndex((file) => file.path.trim() === '' || file.text.trim() === '');
    if (blank !== -1) {
      setResult({ kind: 'error', message: `file ${blank + 1} needs a name and some YAML` });
      return;
    }
    setBusy(true);
    try {
      const report = await post<Simulation>('/v1/policy/simulate', {
        files: files.map((f) => ({ path: f.path.trim(), text: f.text })),
        since,
      });
      setResult({ kind: 'report', report });
    } catch (failure) {
      const diagnostics = failure instanceof ApiError ? (failure.details?.diagnostics as Diagnostic[] | undefined) : undefined;
      setResult(
        diagnostics !== undefined
          ? { kind: 'invalid', message: messageOf(failure), diagnostics }
          : { kind: 'error', message: messageOf(failure) },
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card" aria-labelledby="draft-title">
      <h2 id="draft-title">Try a draft</h2>
      <p class="muted small">Paste a policy. It is validated, then replayed against the decisions stored here; nothing goes live.</p>
      <form onSubmit={(event) => void simulate(event)} noValidate>
        {files.map((file, index) => (
          <fieldset key={index} class="draft-file">
            <legend>File {index + 1}</legend>
            <label for={`draft-path-${index}`}>File name</label>
            <input id={`draft-path-${index}`} value={file.path} onInput={(e) => update(index, { path: e.currentTarget.value })} />
            <label for={`draft-text-${index}`}>YAML</label>
            <textarea
              id={`draft-text-${index}`}
              class="mono"
              rows={12}
              spellcheck={false}
              value={file.text}
              onInput={(e) => update(index, { text: e.currentTarget.value })}
            />
            {files.length > 1 && (
              <button type="button" onClick={() => setFiles(files.filter((_, i) => i !== index))}>
                Remove this file
              </button>
            )}
          </fieldset>
        ))}
        <div class="toolbar">
          <button type="button" onClick={() => setFiles([...files, { path: `file-${files.length + 1}.yaml`, text: '' }])}>
            Add a file
          </button>
          <button
            type="button"
            onClick={() => setFiles(props.live.map((file) => ({ path: file.path.split('/').at(-1) ?? file.path, text: file.text })))}
          >
            Start from the live policy
          </button>
          <div class="field">
            <label for="draft-since">Replay history of the last</label>
            <select id="draft-since" value={since} onChange={(e) => setSince(e.currentTarget.value)}>
              <option value="1d">day</option>
              <option value="7d">7 days</option>
              <option value="30d">30 days</option>
              <option value="90d">90 days</option>
            </select>
          </div>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Simulating…' : 'Validate and simulate'}
          </button>
        </div>
      </form>
      {result?.kind === 'error' && (
        <p class="error" role="alert">
          {result.message}
        </p>
      )}
      {result?.kind === 'invalid' && (
        <div role="alert" data-testid="draft-invalid">
          <p class="error">{result.message}</p>
          <DiagnosticList diagnostics={result.diagnostics} />
        </div>
      )}
      {result?.kind === 'report' && <SimulationReport report={result.report} />}
    </section>
  );
}
