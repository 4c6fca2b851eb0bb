// Agents: each one's autonomy level and track record, and for one agent its record per action
// class and the history of its level changes (promotions, demotions, changes by hand).

import { useState } from 'preact/hooks';
import { get, messageOf, post } from '../api/client.js';
import type { Agent, AgentDetail } from '../api/types.js';
import { useResource } from '../api/use-resource.js';
import { shown } from '../lib/shown.js';
import { text } from '../lib/summary.js';
import { formatTime } from '../lib/time.js';
import { usePath } from '../router.js';
import { useMe } from '../session.js';
import { Link } from '../ui/link.js';
import { Empty, ErrorNotice, Loading } from '../ui/notice.js';

// What each level allows is the policy's autonomy table; the page shows the number, not a guess.
const LEVELS = [0, 1, 2, 3];
const levelText = (level: number): string => `level ${level}`;

function Totals(props: { totals: Agent['totals'] }) {
  const { successes, failures, denials, reversals, flags } = props.totals;
  return (
    <span class="small">
      {successes} succeeded · {failures} failed · {denials} denied · {reversals} reversed · {flags} flagged
    </span>
  );
}

function AgentList() {
  const agents = useResource(() => get<{ agents: Agent[] }>('/v1/agents'), []);
  if (agents.error !== undefined) return <ErrorNotice>{agents.error}</ErrorNotice>;
  if (agents.data === undefined) return <Loading />;
  if (agents.data.agents.length === 0) return <Empty>No agents yet. Create a key with `tollgate keys create --agent NAME`.</Empty>;
  return (
    <div class="table-scroll">
      <table class="data">
        <caption class="muted">Autonomy level and track record of every agent</caption>
        <thead>
          <tr>
            <th scope="col">Agent</th>
            <th scope="col">Level</th>
            <th scope="col">Toward promotion</th>
            <th scope="col">Track record</th>
          </tr>
        </thead>
        <tbody>
          {agents.data.agents.map((agent) => (
            <tr key={agent.name} data-agent={agent.name}>
              <td>
                <Link href={`/agents/${encodeURIComponent(agent.name)}`}>{agent.name}</Link>
              </td>
              <td>{levelText(agent.level)}</td>
              <td>{agent.promote_after === null ? '—' : `${agent.successes_toward_promotion} of ${agent.promote_after}`}</td>
              <td>
                <Totals totals={agent.totals} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SetLevel(props: { agent: AgentDetail; onDone: () => void }) {
  const [level, setLevel] = useState(String(props.agent.level));
  const [reason, setReason] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>(undefined);
  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    if (reason.trim() === '') return setMessage({ ok: false, text: 'say why the level changes: it goes on the audit trail' });
    try {
      await post(`/v1/agents/${encodeURIComponent(props.agent.name)}/level`, { level: Number(level), reason: reason.trim() });
      setMessage({ ok: true, text: `Level set to ${level}.` });
      setReason('');
      props.onDone();
    } catch (failure) {
      setMessage({ ok: false, text: messageOf(failure) });
    }
  }
  return (
    <form class="card narrow-form" onSubmit={(event) => void submit(event)} noValidate aria-label="Set the level by hand">
      <h2>Set the level by hand</h2>
      <label for="level">Level</label>
      <select id="level" value={level} onChange={(e) => setLevel(e.currentTarget.value)}>
        {LEVELS.map((value) => (
          <option key={value} value={value}>
            {value}
          </option>
        ))}
      </select>
      <label for="level-reason">Reason (required)</label>
      <input id="level-reason" value={reason} maxLength={4000} onInput={(e) => setReason(e.currentTarget.value)} />
      <p>
        <button type="submit" class="primary">
          Set level
        </button>
      </p>
      {message !== undefined && (
        <p class={message.ok ? 'result ok' : 'error'} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </p>
      )}
    </form>
  );
}

function AgentView(props: { name: string }) {
  const me = useMe();
  const agent = useResource(() => get<AgentDetail>(`/v1/agents/${encodeURIComponent(props.name)}`), [props.name]);
  if (agent.error !== undefined) return <ErrorNotice>{agent.error}</ErrorNotice>;
  if (agent.data === undefined) return <Loading />;
  const data = agent.data;
  return (
    <>
      <h1>{data.name}</h1>
      <div class="stat-row">
        <div class="stat">
          <div class="muted">Autonomy level</div>
          <div class="value">{data.level}</div>
        </div>
        <div class="stat">
          <div class="muted">Toward promotion</div>
          <div class="value">{data.promote_after === null ? '—' : `${data.successes_toward_promotion}/${data.promote_after}`}</div>
          <div class="small">clean successes at this level</div>
        </div>
        <div class="stat">
          <div class="muted">Track record</div>
          <Totals totals={data.totals} />
        </div>
      </div>
      <section class="card" aria-labelledby="classes-title">
        <h2 id="classes-title">By action class</h2>
        {data.classes.length === 0 ? (
          <p class="muted">No actions recorded yet.</p>
        ) : (
          <div class="table-scroll">
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Action</th>
                  <th scope="col">Environment</th>
                  <th scope="col">Level</th>
                  <th scope="col">Succeeded</th>
                  <th scope="col">Failed</th>
                  <th scope="col">Denied</th>
                  <th scope="col">Reversed</th>
                  <th scope="col">Flagged</th>
                </tr>
              </thead>
              <tbody>
                {data.classes.map((entry) => (
                  <tr key={`${entry.action_type}@${entry.environment ?? ''}`}>
                    <td>{entry.action_type}</td>
                    <td>{entry.environment ?? 'any'}</td>
                    <td>{entry.level}</td>
                    <td>{entry.successes}</td>
                    <td>{entry.failures}</td>
                    <td>{entry.denials}</td>
                    <td>{entry.reversals}</td>
                    <td>{entry.flags}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section class="card" aria-labelledby="history-title">
        <h2 id="history-title">Level history</h2>
        {data.history.length === 0 ? (
          <p class="muted">The level has never changed.</p>
        ) : (
          <ol class="history">
            {data.history.map((entry, index) => (
              <li key={index}>
                <strong>{entry.type.replace(/^agent\./, '').replace(/_/g, ' ')}</strong>
                {entry.from !== undefined && entry.to !== undefined && ` from ${text(entry.from)} to ${text(entry.to)}`}
                {entry.reason !== undefined && entry.reason !== null && `: ${shown(entry.reason)}`}
                <div class="muted small">
                  {formatTime(entry.at)} · by {entry.actor}
                </div>
              </li>
            ))}
          </ol>
        )}
      </section>
      {me.role === 'admin' && <SetLevel agent={data} onDone={agent.reload} />}
    </>
  );
}

export function AgentsPage() {
  const path = usePath().split('?')[0]!;
  const name = /^\/agents\/(.+)$/.exec(path)?.[1];
  return (
    <section>
      {name === undefined ? (
        <>
          <h1>Agents</h1>
          <AgentList />
        </>
      ) : (
        <>
          <p class="crumbs">
            <Link href="/agents">← Agents</Link>
          </p>
          <AgentView key={name} name={decodeURIComponent(name)} />
        </>
      )}
    </section>
  );
}
