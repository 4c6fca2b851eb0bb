// The head of the decision page: what Tollgate itself knows about the request (action type,
// environment, agent, risk, the fields the deciding rules tested and the weighty ones with their
// actual values) and, as a warning, where the agent's own words disagree with them.

import type { ComponentChildren } from 'preact';
import type { Contradiction, RequestFacts, ShownField } from '../api/types.js';
import { shown } from '../lib/shown.js';
import { CodeText } from '../ui/code-text.js';

const WEIGHTY = 'Tollgate always shows amounts, targets, commands, paths and recipients';

function whyShown(field: ShownField): { text: string; title: string } {
  if (field.why === 'tested') return { text: `tested: ${field.tests.join('; ')}`, title: 'A rule that asked for this approval tested it' };
  if (field.why === 'display') return { text: 'listed by the policy', title: 'The policy names this field for display' };
  return { text: 'weighty', title: WEIGHTY };
}

function FactValue(props: { value: unknown }) {
  const { value } = props;
  if (value === '') return <span class="muted">empty text</span>;
  if (typeof value === 'number' && Math.abs(value) >= 10_000 && Number.isFinite(value))
    // The digits as sent, and grouped: 950000 and 95000 look alike at a glance.
    return (
      <>
        {String(value)} <span class="muted">({value.toLocaleString('en-US')})</span>
      </>
    );
  return <>{shown(value)}</>;
}

function Contradictions(props: { contradictions: Contradiction[] }) {
  if (props.contradictions.length === 0) return null;
  return (
    <div class="contradictions" role="note" aria-labelledby="contradictions-title" data-testid="contradictions">
      <p id="contradictions-title">
        <strong>⚠ The agent’s words disagree with these facts</strong>
      </p>
      <ul>
        {props.contradictions.map((item, index) => (
          <li key={index}>
            <CodeText text={item.message.charAt(0).toUpperCase() + item.message.slice(1)} />
          </li>
        ))}
      </ul>
    </div>
  );
}

/** `meta` is the line under the headline: status, risk, agent, time left. */
export function FactsSection(props: { facts: RequestFacts; meta: ComponentChildren }) {
  const { facts } = props;
  return (
    <section class="card facts-card lead" aria-labelledby="facts-title" data-testid="facts">
      <p class="eyebrow" id="facts-title">
        What Tollgate knows
      </p>
      <h1>
        <span class="mono">{facts.action_type === null ? 'an unnamed action' : shown(facts.action_type)}</span>
        {facts.environment === null ? <span class="muted"> (no environment)</span> : <> in {shown(facts.environment)}</>}
      </h1>
      <div class="decision-meta">{props.meta}</div>
      {facts.fields.length === 0 ? (
        <p class="muted small">No rule tested a field of this action, and none holds an amount, target, command, path or recipient.</p>
      ) : (
        <dl class="facts">
          {facts.fields.map((field) => {
            const why = whyShown(field);
            return (
              <div key={field.path} class="fact" data-path={field.path}>
                <dt>
                  <code>{shown(field.path)}</code>
                </dt>
                <dd>
                  <span class="fact-value">
                    <FactValue value={field.value} />
                  </span>
                  <small class={`fact-why why-${field.why}`} title={why.title}>
                    {why.text}
                  </small>
                </dd>
              </div>
            );
          })}
        </dl>
      )}
      <Contradictions contradictions={facts.contradictions} />
    </section>
  );
}
