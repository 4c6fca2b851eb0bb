// The oversight figures over time, from GET /v1/metrics/series: approval rate, time to decision
// (p50, p90), reversal, miss and timeout rates, and the requests behind them, per day or hour,
// for the tenant or one gate, approver or agent.

import { useState } from 'preact/hooks';
import { get } from '../api/client.js';
import type { MetricsReport, MetricsSeries, SeriesPoint } from '../api/metrics-types.js';
import { useResource } from '../api/use-resource.js';
import type { BucketSize } from '../charts/buckets.js';
import { TimeChart } from '../charts/time-chart.js';
import { ErrorNotice, Loading } from '../ui/notice.js';

/** Hourly buckets are offered up to a week: a month of hours is too many to read. */
const HOURLY_UP_TO_DAYS = 7;

function days(window: string): number {
  const match = /^(\d+)([dh])$/.exec(window);
  if (match === null) return Infinity;
  return match[2] === 'h' ? Number(match[1]) / 24 : Number(match[1]);
}

type Filter = { kind: 'gate' | 'approver' | 'agent'; value: string } | undefined;

function query(window: string, bucket: BucketSize, filter: Filter): string {
  const params = new URLSearchParams({ window, bucket });
  if (filter !== undefined) params.set(filter.kind, filter.value);
  return `/v1/metrics/series?${params.toString()}`;
}

const pick = (points: SeriesPoint[], read: (point: SeriesPoint) => number | null | undefined): (number | null)[] =>
  points.map((point) => read(point) ?? null);

export function OverTime(props: { window: string; report: MetricsReport; refreshed: number }) {
  const [chosen, setChosen] = useState<BucketSize | undefined>(undefined);
  const [filterKey, setFilterKey] = useState('');
  const hourly = days(props.window) <= HOURLY_UP_TO_DAYS;
  // A day's window reads best by the hour; longer ones by the day, unless hours are asked for.
  const bucket: BucketSize = hourly ? (chosen ?? (days(props.window) <= 1 ? 'hour' : 'day')) : 'day';
  const [kind, ...rest] = filterKey.split(':');
  const filter: Filter = filterKey === '' ? undefined : { kind: kind as 'gate' | 'approver' | 'agent', value: rest.join(':') };
  const series = useResource(
    () => get<MetricsSeries>(query(props.window, bucket, filter)),
    [props.window, bucket, filterKey, props.refreshed],
  );

  const gates = (props.report.gates ?? []).map((gate) => gate.gate);
  const approvers = props.report.approvers ?? [];
  const agents = (props.report.agents ?? []).map((agent) => agent.agent);

  return (
    <section class="card over-time" aria-labelledby="over-time-title">
      <h2 id="over-time-title">Over time</h2>
      <div class="toolbar">
        <div class="field">
          <label for="series-bucket">Each point is a</label>
          <select id="series-bucket" value={bucket} onChange={(e) => setChosen(e.currentTarget.value as BucketSize)}>
            <option value="day">day</option>
            <option value="hour" disabled={!hourly}>
              hour{hourly ? '' : ` (windows up to ${HOURLY_UP_TO_DAYS} days)`}
            </option>
          </select>
        </div>
        <div class="field">
          <label for="series-filter">For</label>
          <select id="series-filter" value={filterKey} onChange={(e) => setFilterKey(e.currentTarget.value)}>
            <option value="">all requests</option>
            {gates.length > 0 && (
              <optgroup label="Gate">
                {gates.map((gate) => (
                  <option key={gate} value={`gate:${gate}`}>
                    gate {gate}
                  </option>
                ))}
              </optgroup>
            )}
            {approvers.length > 0 && (
              <optgroup label="Approver">
                {approvers.map((approver) => (
                  <option key={approver.approver} value={`approver:${approver.approver}`}>
                    approver {approver.name}
                  </option>
                ))}
              </optgroup>
            )}
            {agents.length > 0 && (
              <optgroup label="Agent">
                {agents.map((agent) => (
                  <option key={agent} value={`agent:${agent}`}>
                    agent {agent}
                  </option>
                ))}
              </optgroup>
            )}
          </select>
        </div>
      </div>
      {series.error !== undefined && <ErrorNotice>the figures over time cannot be read: {series.error}</ErrorNotice>}
      {series.data === undefined ? series.error === undefined && <Loading /> : <Charts series={series.data} />}
    </section>
  );
}

function Charts(props: { series: MetricsSeries }) {
  const { points, bucket } = props.series;
  const starts = points.map((point) => point.start);
  const decided = points.reduce((sum, point) => sum + (point.decisions ?? 0), 0);
  return (
    <>
      <p class="small muted" data-testid="series-range">
        {points.length} {bucket}s, {decided} decisions by people. Hatched {bucket}s had nothing to measure: no data, which is not zero.
      </p>
      <div class="grid-2">
        <TimeChart
          id="series-approval-rate"
          title="Approval rate"
          axis="approved ÷ decided by people"
          starts={starts}
          bucket={bucket}
          kind="rate"
          max={1}
          series={[{ name: 'approval rate', tone: 'a', values: pick(points, (p) => p.approval_rate) }]}
        />
        <TimeChart
          id="series-time-to-decision"
          title="Time to decision"
          axis="request → verdict"
          starts={starts}
          bucket={bucket}
          kind="duration"
          series={[
            { name: 'p50', tone: 'a', values: pick(points, (p) => p.time_to_decision_ms?.p50) },
            { name: 'p90', tone: 'b', values: pick(points, (p) => p.time_to_decision_ms?.p90) },
          ]}
        />
        <TimeChart
          id="series-problems"
          title="Reversal, miss and timeout rates"
          axis="rate"
          starts={starts}
          bucket={bucket}
          kind="rate"
          series={[
            { name: 'reversal rate', tone: 'a', values: pick(points, (p) => p.reversal_rate) },
            { name: 'miss rate', tone: 'b', values: pick(points, (p) => p.miss_rate) },
            { name: 'timeout rate', tone: 'c', values: pick(points, (p) => p.timeout_rate) },
          ]}
        />
        <TimeChart
          id="series-volume"
          title="Requests and decisions"
          axis={bucket === 'day' ? 'per day' : 'per hour'}
          starts={starts}
          bucket={bucket}
          kind="count"
          mode="bar"
          series={[
            { name: 'requests', tone: 'a', values: pick(points, (p) => p.requests) },
            { name: 'decisions', tone: 'b', values: pick(points, (p) => p.decisions) },
          ]}
        />
      </div>
    </>
  );
}
