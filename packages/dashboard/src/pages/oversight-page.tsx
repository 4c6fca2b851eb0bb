// Oversight: whether the approvals are real oversight or rubber-stamping. Rates and time to
// decision for the tenant, over time and per gate, per-approver load, and the warnings and
// recommendations the server finds, each with its evidence. The charts are drawn from
// GET /v1/metrics and GET /v1/metrics/series; where nothing was measured they say "no data".

import { useState } from 'preact/hooks';
import { get } from '../api/client.js';
import type { Finding, MetricsReport } from '../api/metrics-types.js';
import { useResource } from '../api/use-resource.js';
import { BarChart } from '../charts/bar-chart.js';
import { ms, percent, perDay } from '../lib/format.js';
import { text } from '../lib/summary.js';
import { ErrorNotice, Loading } from '../ui/notice.js';
import { OverTime } from '../oversight/over-time.js';

const WINDOWS = [
  ['1d', 'last day'],
  ['7d', 'last 7 days'],
  ['30d', 'last 30 days'],
  ['90d', 'last 90 days'],
] as const;

function evidence(key: string, value: number | string | null): string {
  if (typeof value !== 'number') return text(value);
  if (key.endsWith('rate') || key.endsWith('share')) return percent(value);
  if (key.endsWith('_ms')) return ms(value);
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

function Tile(props: { label: string; value: string; hint: string | undefined; id: string }) {
  return (
    <div class="stat" data-stat={props.id}>
      <div class="muted">{props.label}</div>
      <div class="value">{props.value}</div>
      {props.hint !== undefined && <div class="small muted">{props.hint}</div>}
    </div>
  );
}

/** What "no warnings" means for this window: over how many decisions, and from how many each is judged. */
function noWarnings(report: MetricsReport): string {
  const decisions = report.totals.votes.decisions;
  if (decisions === 0) return 'No warnings, but nobody decided anything in this window: there is nothing to judge yet.';
  const t = report.thresholds;
  return (
    `No warnings over the ${decisions} ${decisions === 1 ? 'decision' : 'decisions'} people made in this window ` +
    `(rubber-stamping is judged from ${t.rubber_stamp_min_decisions} decisions, approval theater from ${t.theater_min_decisions} on a gate, ` +
    `a single point of failure from ${t.spof_min_decisions} on a gate).`
  );
}

function Findings(props: { title: string; findings: Finding[]; kind: 'warning' | 'recommendation'; empty: string }) {
  return (
    <section class="card" aria-labelledby={`${props.kind}-title`}>
      <h2 id={`${props.kind}-title`}>{props.title}</h2>
      {props.findings.length === 0 ? (
        <p class="muted">{props.empty}</p>
      ) : (
        <ul class="findings">
          {props.findings.map((finding, index) => (
            <li key={index} class={`finding ${props.kind}`} data-kind={finding.kind}>
              <strong>{finding.kind.replace(/_/g, ' ')}</strong>: {finding.message}
              <dl class="evidence">
                {Object.entries(finding.evidence).map(([key, value]) => (
                  <div key={key}>
                    <dt>{key.replace(/_/g, ' ')}</dt>
                    <dd>{evidence(key, value)}</dd>
                  </div>
                ))}
              </dl>
              <div class="small">What to do: {finding.fix}</div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function OversightPage() {
  const [span, setSpan] = useState('30d');
  // Bumped by Refresh, so the figures over time are read again with the rest.
  const [refreshed, setRefreshed] = useState(0);
  const report = useResource(() => get<MetricsReport>(`/v1/metrics?window=${span}`), [span]);
  const trend = useResource(
    () =>
      Promise.all(
        WINDOWS.map(([name]) => get<MetricsReport>(`/v1/metrics?window=${name}&by=gate`).then((r) => ({ name, totals: r.totals }))),
      ),
    [],
  );

  return (
    <section>
      <h1>Oversight</h1>
      <div class="toolbar">
        <div class="field">
          <label for="metrics-window">Window</label>
          <select id="metrics-window" value={span} onChange={(e) => setSpan(e.currentTarget.value)}>
            {WINDOWS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <button type="button" onClick={() => (report.reload(), trend.reload(), setRefreshed(refreshed + 1))}>
          Refresh
        </button>
      </div>
      {report.error !== undefined && <ErrorNotice>{report.error}</ErrorNotice>}
      {report.data === undefined ? (
        report.error === undefined && <Loading />
      ) : (
        <Figures report={report.data} trend={trend.data} window={span} refreshed={refreshed} />
      )}
    </section>
  );
}

function Figures(props: {
  report: MetricsReport;
  trend: { name: string; totals: MetricsReport['totals'] }[] | undefined;
  window: string;
  refreshed: number;
}) {
  const { totals, definitions } = props.report;
  const gates = props.report.gates ?? [];
  const approvers = props.report.approvers ?? [];
  const decidedByPeople = totals.approved + totals.denied + totals.changes_requested;
  return (
    <>
      <div class="stat-row">
        <Tile
          id="approval-rate"
          label="Approval rate"
          value={percent(totals.approval_rate)}
          hint={
            decidedByPeople === 0
              ? 'nothing decided by people in this window'
              : `${totals.approved} of ${decidedByPeople} decided by people`
          }
        />
        <Tile
          id="time-to-decision"
          label="Time to decision (p50)"
          value={ms(totals.time_to_decision_ms.p50)}
          hint={
            totals.time_to_decision_ms.p50 === null
              ? 'no request decided by people in this window'
              : `p90 ${ms(totals.time_to_decision_ms.p90)} · p99 ${ms(totals.time_to_decision_ms.p99)}`
          }
        />
        <Tile
          id="reversal-rate"
          label="Reversal rate"
          value={percent(totals.reversal_rate)}
          hint={totals.ran === 0 ? 'no action ran in this window' : `${totals.reversals} of ${totals.ran} that ran`}
        />
        <Tile
          id="miss-rate"
          label="Miss rate"
          value={percent(totals.miss_rate)}
          hint={totals.ran === 0 ? 'no action ran in this window' : `${totals.misses} flagged after review`}
        />
        <Tile
          id="timeout-rate"
          label="Timeout rate"
          value={percent(totals.timeout_rate)}
          hint={totals.timeout_rate === null ? 'no request decided in this window' : `${totals.timed_out} timed out`}
        />
        <Tile
          id="backlog"
          label="Waiting now"
          value={String(totals.backlog)}
          hint={totals.oldest_pending_age_ms === null ? undefined : `oldest ${ms(totals.oldest_pending_age_ms)}`}
        />
      </div>
      <OverTime window={props.window} report={props.report} refreshed={props.refreshed} />
      <div class="grid-2">
        <section class="card">
          {props.trend === undefined ? (
            <Loading />
          ) : (
            <BarChart
              id="rates-by-window"
              title="Approval, reversal and miss rates by window"
              series={[
                { name: 'approval rate', tone: 'a' },
                { name: 'reversal rate', tone: 'b' },
                { name: 'miss rate', tone: 'c' },
              ]}
              rows={props.trend.map((entry) => ({
                label: WINDOWS.find(([name]) => name === entry.name)![1],
                values: [entry.totals.approval_rate, entry.totals.reversal_rate, entry.totals.miss_rate],
              }))}
              format={percent}
              max={1}
            />
          )}
          <p class="small muted">{definitions.reversal_rate}</p>
        </section>
        <section class="card">
          <BarChart
            id="time-to-decision"
            title="Time to decision per gate (p50, p90, p99)"
            series={[
              { name: 'p50', tone: 'a' },
              { name: 'p90', tone: 'b' },
              { name: 'p99', tone: 'c' },
            ]}
            rows={gates.map((gate) => ({
              label: gate.gate,
              values: [gate.time_to_decision_ms.p50, gate.time_to_decision_ms.p90, gate.time_to_decision_ms.p99],
            }))}
            format={(value) => ms(value)}
          />
          {gates.length === 0 && <p class="muted">No approval requests in this window.</p>}
        </section>
        <section class="card">
          <BarChart
            id="gate-rates"
            title="Approval rate per gate"
            series={[{ name: 'approval rate', tone: 'a' }]}
            rows={gates.map((gate) => ({ label: gate.gate, values: [gate.approval_rate] }))}
            format={percent}
            max={1}
          />
        </section>
        <section class="card">
          <BarChart
            id="approver-load"
            title="Decisions per approver per day"
            series={[{ name: 'decisions a day', tone: 'a' }]}
            rows={approvers.map((approver) => ({ label: approver.name, values: [approver.load_per_day] }))}
            format={(value) => perDay(value)}
          />
          {approvers.length === 0 ? (
            <p class="muted">Nobody decided anything in this window.</p>
          ) : (
            <p class="small muted">{approvers.map((a) => `${a.name}: ${a.decisions} decisions, ${a.open_assignments} open`).join(' · ')}</p>
          )}
        </section>
      </div>
      <Findings title="Warnings" findings={props.report.warnings} kind="warning" empty={noWarnings(props.report)} />
      <Findings title="Recommendations" findings={props.report.recommendations} kind="recommendation" empty="None for now." />
    </>
  );
}
