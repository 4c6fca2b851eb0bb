// The decision page's reading sections after the facts: the agent's own words (summary,
// reasoning, confidence), why this needs approval, what to check, the context and dry run the
// agent sent, earlier analysis, how similar requests ended, and one line for what was not sent.

import type { ContextPackage, WorkerRef } from '../api/types.js';
import { shown, shownLines } from '../lib/shown.js';
import { formatTime } from '../lib/time.js';
import { StatusBadge } from '../ui/badges.js';
import { CodeText } from '../ui/code-text.js';
import { ValueView } from '../ui/value-view.js';
import { WorkerLabel } from '../ui/worker-label.js';

/** Says on a card's heading whose words it holds. */
export function FromAgent() {
  return <span class="source">sent by the agent</span>;
}

/** The agent's summary and reasoning, quoted and attributed: its claims, to be read against the facts. */
export function AgentWordsSection(props: { summary: string | null; reasoning: ContextPackage['reasoning'] }) {
  const { summary } = props;
  const { text, confidence } = props.reasoning;
  if (summary === null && text === null && confidence === null) return null;
  return (
    <section class="card agent-says lead" aria-labelledby="agent-says-title" data-testid="agent-says">
      <h2 id="agent-says-title">
        The agent says <span class="source">its own words, not checked by Tollgate</span>
      </h2>
      {summary !== null && (
        <blockquote class="agent-quote" data-testid="agent-summary">
          {shown(summary)}
        </blockquote>
      )}
      {text !== null && (
        <>
          <h3>Its reasoning</h3>
          <blockquote class="agent-quote reasoning">{shownLines(text)}</blockquote>
        </>
      )}
      {confidence !== null && (
        <div class="confidence">
          <label for="confidence-meter">Its confidence {Math.round(confidence * 100)}%</label>
          <meter id="confidence-meter" min={0} max={1} low={0.6} high={0.8} optimum={1} value={confidence} />
        </div>
      )}
    </section>
  );
}

/** What the agent could have sent and did not, in one line rather than a card each. */
export function NotSentLine(props: { missing: string[]; noPrecedent: boolean }) {
  if (props.missing.length === 0 && !props.noPrecedent) return null;
  return (
    <p class="absent small" data-testid="not-sent">
      {props.missing.length > 0 && <span>Not sent by the agent: {props.missing.join(', ')}.</span>}
      {props.noPrecedent && <span> This is the first request of its kind here.</span>}
    </p>
  );
}

export function RiskSection(props: { risk: ContextPackage['risk'] }) {
  const { risk } = props;
  return (
    <section class="card risk-card" aria-labelledby="risk-title">
      <h2 id="risk-title">Why this needs approval</h2>
      {risk.why.length === 0 ? (
        <p class="muted">No rule or trigger was recorded; the environment's default asked for a person.</p>
      ) : (
        <ul class="reasons">
          {risk.why.map((reason, index) => (
            <li key={index}>
              <strong>{shown(reason.name)}</strong> <span class="muted">({reason.kind.replace(/_/g, ' ')})</span> →{' '}
              <span class="decision">{reason.decision.replace(/_/g, ' ')}</span>
              {reason.reason !== '' && (
                <div class="reason-text">
                  <CodeText text={reason.reason} />
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      {risk.missing.length > 0 && (
        <p class="warning">
          Facts the policy needed but the agent did not send:{' '}
          {risk.missing.map((fact, index) => (
            <span key={fact.path}>
              {index > 0 && ', '}
              <code>{shown(fact.path)}</code> (for {shown(fact.needed_by)})
            </span>
          ))}
        </p>
      )}
    </section>
  );
}

export function CriteriaSection(props: { criteria: string[] }) {
  return (
    <section class="card" aria-labelledby="criteria-title">
      <h2 id="criteria-title">What to check</h2>
      {props.criteria.length === 0 ? (
        <p class="warning">The policy states no criteria for this gate: ask its author what a valid approval or denial is.</p>
      ) : (
        <ul class="criteria">
          {props.criteria.map((criterion) => (
            <li key={criterion}>
              <CodeText text={criterion} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function KeyContextSection(props: { context: Record<string, unknown> }) {
  if (Object.keys(props.context).length === 0) return null;
  return (
    <section class="card" aria-labelledby="context-title">
      <h2 id="context-title">
        Key context <FromAgent />
      </h2>
      <ValueView value={props.context} />
    </section>
  );
}

export function SimulationSection(props: { simulation: unknown }) {
  if (props.simulation === null) return null;
  return (
    <section class="card" aria-labelledby="simulation-title">
      <h2 id="simulation-title">
        Simulation (dry run) <FromAgent />
      </h2>
      <ValueView value={props.simulation} />
    </section>
  );
}

/** Each output is labelled with the worker that produced it: a worker's word, not the agent's or Tollgate's. */
export function AnalysisSection(props: { analysis: Record<string, unknown>; by: Record<string, WorkerRef> }) {
  const entries = Object.entries(props.analysis);
  if (entries.length === 0) return null;
  return (
    <section class="card" aria-labelledby="analysis-title">
      <h2 id="analysis-title">Analysis from earlier steps</h2>
      {entries.map(([step, output]) => (
        <div key={step} data-step={step}>
          <h3>
            {shown(step)} <WorkerLabel worker={props.by[step]} />
          </h3>
          <ValueView value={output} />
        </div>
      ))}
    </section>
  );
}

export function PrecedentSection(props: { precedent: ContextPackage['precedent'] }) {
  if (props.precedent.length === 0) return null;
  return (
    <section class="card" aria-labelledby="precedent-title">
      <h2 id="precedent-title">Similar past requests</h2>
      <ul class="precedent">
        {props.precedent.map((entry) => (
          <li key={entry.action_id}>
            <StatusBadge status={entry.status} /> {shown(entry.summary)}
            <div class="muted small">
              {formatTime(entry.decided_at)}
              {entry.resolution !== null && ` · ${shown(entry.resolution)}`}
              {entry.outcome !== null && ` · outcome: ${shown(entry.outcome)}`}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
