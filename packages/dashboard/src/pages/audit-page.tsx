// The audit trail: events in chain order, filtered by type and subject on the server and by any
// text on the page; whether the hash chain verifies; and the whole trail as JSON lines or CSV.

import { useState } from 'preact/hooks';
import { get } from '../api/client.js';
import type { AuditEvent, ChainHead, VerifyResult } from '../api/types.js';
import { useResource } from '../api/use-resource.js';
import { shown, shownLines } from '../lib/shown.js';
import { formatTime } from '../lib/time.js';
import { Empty, ErrorNotice, Loading } from '../ui/notice.js';

const PAGE = 100;

/** Events hold what agents sent (summaries, outcomes): hidden characters show as marks. */
const brief = (value: unknown): string => {
  const said = shown(value);
  return said.length > 40 ? `${said.slice(0, 39)}…` : said;
};

/** The event's fields in brief, with the exact JSON one click away (digests and hashes are long). */
function EventData(props: { data: Record<string, unknown> }) {
  const entries = Object.entries(props.data).filter(([, value]) => value !== null && value !== undefined);
  if (entries.length === 0) return <span class="muted">—</span>;
  return (
    <details>
      <summary>{entries.map(([key, value]) => `${shown(key)}: ${brief(value)}`).join(' · ')}</summary>
      <pre class="json">{shownLines(JSON.stringify(props.data, null, 2))}</pre>
    </details>
  );
}

function Verification() {
  const check = useResource(() => get<VerifyResult>('/v1/audit/verify'), []);
  return (
    <section class="card" aria-labelledby="verify-title" aria-live="polite">
      <h2 id="verify-title">Chain verification</h2>
      {check.error !== undefined ? (
        <ErrorNotice>{check.error}</ErrorNotice>
      ) : check.data === undefined ? (
        <Loading />
      ) : check.data.ok ? (
        <p class="verify ok" data-testid="verify">
          ✓ Intact: {check.data.events} events chain to head #{check.data.head.seq}{' '}
          <code class="small">{check.data.head.hash.slice(0, 16)}…</code>
        </p>
      ) : (
        <div data-testid="verify">
          <p class="error">✗ The chain does not verify: {check.data.problems.length} problem(s)</p>
          <ul>
            {check.data.problems.map((problem, index) => (
              <li key={index}>
                #{problem.seq}: {problem.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      <div class="row-actions">
        <button type="button" onClick={check.reload}>
          Verify again
        </button>
        <a class="button" href="/v1/audit/export?format=jsonl" download>
          Export JSON lines
        </a>
        <a class="button" href="/v1/audit/export?format=csv" download>
          Export CSV
        </a>
      </div>
    </section>
  );
}

export function AuditPage() {
  const [type, setType] = useState('');
  const [subject, setSubject] = useState('');
  const [filter, setFilter] = useState({ type: '', subject: '', after: 0 });
  const [search, setSearch] = useState('');
  const events = useResource(() => {
    const query = new URLSearchParams({ limit: String(PAGE), after: String(filter.after) });
    if (filter.type !== '') query.set('type', filter.type);
    if (filter.subject !== '') query.set('subject', filter.subject);
    return get<{ events: AuditEvent[]; head: ChainHead }>(`/v1/audit?${query}`);
  }, [filter]);
  const needle = search.trim().toLowerCase();
  const shown = (events.data?.events ?? []).filter(
    (event) =>
      needle === '' || `${event.type} ${event.actor} ${event.subject ?? ''} ${JSON.stringify(event.data)}`.toLowerCase().includes(needle),
  );
  const last = events.data?.events.at(-1)?.seq;

  return (
    <section>
      <h1>Audit trail</h1>
      <Verification />
      <form
        class="toolbar"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          setFilter({ type: type.trim(), subject: subject.trim(), after: 0 });
        }}
      >
        <div class="field">
          <label for="audit-type">Event type</label>
          <input id="audit-type" placeholder="e.g. vote.cast" value={type} onInput={(e) => setType(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="audit-subject">Subject</label>
          <input
            id="audit-subject"
            placeholder="an approval, action or agent:name"
            value={subject}
            onInput={(e) => setSubject(e.currentTarget.value)}
          />
        </div>
        <button type="submit" class="primary">
          Filter
        </button>
        <div class="field">
          <label for="audit-search">Search this page</label>
          <input id="audit-search" type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
        </div>
      </form>
      {events.error !== undefined && <ErrorNotice>{events.error}</ErrorNotice>}
      {events.data === undefined ? (
        events.error === undefined && <Loading />
      ) : shown.length === 0 ? (
        <Empty>No events match.</Empty>
      ) : (
        <div class="table-scroll">
          <table class="data audit">
            <caption class="muted">
              Events after #{filter.after}, oldest first; the chain's head is #{events.data.head.seq}
            </caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">When</th>
                <th scope="col">Type</th>
                <th scope="col">Actor</th>
                <th scope="col">Subject</th>
                <th scope="col">Data</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((event) => (
                <tr key={event.seq}>
                  <td>{event.seq}</td>
                  <td>{formatTime(event.created_at)}</td>
                  <td>
                    <code>{event.type}</code>
                  </td>
                  <td>{event.actor}</td>
                  <td class="mono small">{event.subject ?? '—'}</td>
                  <td class="small audit-data">
                    <EventData data={event.data} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div class="row-actions pager">
        <button type="button" disabled={filter.after === 0} onClick={() => setFilter({ ...filter, after: 0 })}>
          First page
        </button>
        <button
          type="button"
          disabled={last === undefined || (events.data?.events.length ?? 0) < PAGE}
          onClick={() => last !== undefined && setFilter({ ...filter, after: last })}
        >
          Next page
        </button>
      </div>
    </section>
  );
}
