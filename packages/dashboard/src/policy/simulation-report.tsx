// What a draft would have done to the stored history: decisions before and after, which changed
// and by which rule, and the approval load per group.

import { text } from '../lib/summary.js';

const DECISIONS = ['ALLOW', 'REVIEW', 'REQUIRE_APPROVAL', 'DENY'] as const;

interface Example {
  id: string;
  agent: string;
  action_type: string | null;
  environment: string | null;
  from: string;
  to: string;
  rule_before: string;
  rule_after: string;
}

export interface Simulation {
  candidate_version: string;
  window: { name: string; since: string; until: string };
  replayed: number;
  unchanged: number;
  changed: number;
  stricter: number;
  looser: number;
  rule_changed: number;
  decisions: { before: Record<string, number>; after: Record<string, number> };
  changes: { from: string; to: string; direction: string; count: number; examples: Example[] }[];
  by_rule: { rule: string; direction: string; count: number }[];
  approval_load: {
    days: number;
    before: number;
    after: number;
    groups: { group: string; before: number; after: number; delta: number; after_per_day: number }[];
  };
}

export function SimulationReport(props: { report: Simulation }) {
  const { report } = props;
  return (
    <div class="simulation" role="status" data-testid="simulation">
      <h3>
        The draft loads (version <code>{report.candidate_version.replace(/^sha256:/, '').slice(0, 12)}</code>)
      </h3>
      <p>
        Replayed {report.replayed} decisions of the last {report.window.name}: <strong>{report.changed} would change</strong> (
        {report.stricter} stricter, {report.looser} looser), {report.unchanged} stay the same.
      </p>
      <div class="table-scroll">
        <table class="data">
          <caption class="muted">Decisions before and after</caption>
          <thead>
            <tr>
              <th scope="col">Decision</th>
              <th scope="col">Live policy</th>
              <th scope="col">Draft</th>
            </tr>
          </thead>
          <tbody>
            {DECISIONS.map((decision) => (
              <tr key={decision}>
                <th scope="row">{decision.replace('_', ' ')}</th>
                <td>{report.decisions.before[decision] ?? 0}</td>
                <td>{report.decisions.after[decision] ?? 0}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {report.changes.length > 0 && (
        <>
          <h3>What changes</h3>
          <ul>
            {report.changes.map((change) => (
              <li key={`${change.from}-${change.to}`}>
                {change.count}× {change.from} → {change.to} ({change.direction})
                <ul class="small muted">
                  {change.examples.map((example) => (
                    <li key={example.id}>
                      {example.agent} {text(example.action_type)} in {text(example.environment)}: {example.rule_before} →{' '}
                      {example.rule_after}
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        </>
      )}
      <h3>Approval load</h3>
      <p>
        {report.approval_load.before} → {report.approval_load.after} requests over {Math.round(report.approval_load.days)} days
      </p>
      {report.approval_load.groups.length > 0 && (
        <ul>
          {report.approval_load.groups.map((group) => (
            <li key={group.group}>
              {group.group}: {group.before} → {group.after} ({group.delta >= 0 ? '+' : ''}
              {group.delta}, {group.after_per_day.toFixed(1)} a day)
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
