// The decision page's reading sections, in the guide's order of importance: why this needs
// approval, what to check, key context, simulation, the AI's reasoning, earlier analysis and
// how similar requests ended.

import type { ContextPackage, WorkerRef } from '../api/types.js';
import { formatTime } from '../lib/time.js';
import { RiskBadge, StatusBadge } from '../ui/badges.js';
import { ValueView } from '../ui/value-view.js';
import { WorkerLabel } from '../ui/worker-label.js';

export function RiskSection(props: { risk: ContextPackage['risk'] }) {
  const { risk } = props;
  return (
    <section class="card risk-card" aria-labelledby="risk-title">
      <h2 id="risk-title">
        Why this needs approval <RiskBadge risk={risk.level} />
      </h2>
      {risk.why.length === 0 ? (
        <p class="muted">No rule or trigger was recorded; the environment's default asked for a person.</p>
      ) : (
        <ul class="reasons">
          {risk.why.map((reason, index) => (
            <li key={index}>
              <strong>{reason.name}</strong> <span class="muted">({reason.kind.replace(/_/g, ' ')})</span> →{' '}
              <span class="decision">{reason.decision.replace(/_/g, ' ')}</span>
              {reason.reason !== '' && <div>{reason.reason}</div>}
            </li>
          ))}
        </ul>
      )}
      {risk.missing.length > 0 && (
        <p class="warning">
          Facts the policy needed but the agent did not send:{' '}
          {risk.missing.map((fact) => `${fact.path} (for ${fact.needed_by})`).join(', ')}
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
            <li key={criterion}>{criterion}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function KeyContextSection(props: { context: Record<string, unknown> }) {
  return (
    <section class="card" aria-labelledby="context-title">
      <h2 id="context-title">Key context</h2>
      {Object.keys(props.context).length === 0 ? <p class="muted">The agent sent no context.</p> : <ValueView value={props.context} />}
    </section>
  );
}

export function SimulationSection(props: { simulation: unknown }) {
  return (
    <section class="card" aria-labelledby="simulation-title">
      <h2 id="simulation-title">Simulation (dry run)</h2>
      {props.simulation === null ? <p class="muted">No dry run was reported for this action.</p> : <ValueView value={props.simulation} />}
    </section>
  );
}

export function ReasoningSection(props: { reasoning: ContextPackage['reasoning'] }) {
  const { text, confidence } = props.reasoning;
  return (
    <section class="card" aria-labelledby="reasoning-title">
      <h2 id="reasoning-title">The AI’s reasoning</h2>
      {text === null ? <p class="muted">The agent gave no reasoning.</p> : <p class="reasoning">{text}</p>}
      {confidence !== null && (
        <div class="confidence">
          <label for="confidence-meter">Confidence {Math.round(confidence * 100)}%</label>
          <meter id="confidence-meter" min={0} max={1} low={0.6} high={0.8} optimum={1} value={confidence} />
        </div>
      )}
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
            {step} <WorkerLabel worker={props.by[step]} />
          </h3>
          <ValueView value={output} />
        </div>
      ))}
    </section>
  );
}

export function PrecedentSection(props: { precedent: ContextPackage['precedent'] }) {
  return (
    <section class="card" aria-labelledby="precedent-title">
      <h2 id="precedent-title">Similar past requests</h2>
      {props.precedent.length === 0 ? (
        <p class="muted">This is the first request of its kind here.</p>
      ) : (
        <ul class="precedent">
          {props.precedent.map((entry) => (
            <li key={entry.action_id}>
              <StatusBadge status={entry.status} /> {entry.summary}
              <div class="muted small">
                {formatTime(entry.decided_at)}
                {entry.resolution !== null && ` · ${entry.resolution}`}
                {entry.outcome !== null && ` · outcome: ${entry.outcome}`}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
