// Oversight metrics for a tenant and window (DESIGN §6): reads the window's facts from the store,
// has core compute figures, warnings, recommendations and time series, and renders them as JSON
// or Prometheus. Closed days are rolled up ahead, in the background, so a query reads stored
// rollups for them and only the rest row by row.

import { setImmediate as yieldToEvents } from 'node:timers/promises';
import {
  askingFigures,
  cellsFromRows,
  computeMetrics,
  decodeDay,
  emptyTally,
  encodeDay,
  HOUR_MS,
  mergeCells,
  mergeTally,
  seriesFigures,
  seriesFromRows,
  subjectKey,
  subjectOfKey,
  type AskingFigures,
  type MetricsCells,
  type MetricsRows,
  DEFAULT_THRESHOLDS,
  findRecommendations,
  findWarnings,
  parseDuration,
  type MetricsFigures,
  type Percentiles,
  type Recommendation,
  type Subject,
  type Tally,
  type Thresholds,
  type Warning,
} from '@tollgate/core';
import { TollgateError } from '../errors.js';
import type { DayRollup, Store, TimeRange } from '../stores/store.js';
import type { Clock } from '../util/clock.js';
import type { TenantPolicies } from './tenant-policies.js';

export const GROUPINGS = ['gate', 'approver', 'agent'] as const;
export type Grouping = (typeof GROUPINGS)[number];
export const BUCKETS = ['day', 'hour'] as const;
export type Bucket = (typeof BUCKETS)[number];
export const DEFAULT_WINDOW = '30d';
const MAX_WINDOW_MS = 366 * 86_400_000;
/** Hourly series stop here: a longer window is a day series (a month of hours is 744 points). */
const MAX_HOURLY_WINDOW_MS = 31 * 86_400_000;
const DAY_MS = 86_400_000;
/**
 * A day is rolled up this long after it ends: rows are stamped with the writer's clock as they are
 * written, so a node whose clock runs a little behind, or a write still in a group commit, lands
 * before the day is folded. Later changes to a closed day's requests and reviews are logged by
 * triggers and make its rollup stale (see `rollUp`).
 */
export const SETTLE_MS = 10 * 60_000;
/** Rollups are kept for the longest window; older ones are dropped. */
const HORIZON_DAYS = 367;
/** How often the background task looks for days to roll up (and rebuilds stale ones). */
export const ROLLUP_EVERY_MS = 60_000;
/** The layout of stored rollups; a rollup of another layout is rebuilt, so bump it when cells change. */
export const ROLLUP_FORMAT = 1;

/** What each figure means, so a chart can label it without knowing this code. */
const DEFINITIONS = {
  approval_rate: 'approved ÷ requests decided by people (timeouts excluded)',
  timeout_rate: 'timed out ÷ requests decided (by people or by timeout)',
  time_to_decision_ms:
    'request created → final verdict, for requests decided by people: nearest-rank p50/p90/p99, each a duration that occurred, at most 10% above the exact percentile (daily rollups keep log-spaced histograms)',
  time_to_vote_ms: 'when the approver could act (assignment, else request) → their vote',
  quick_approval_rate: 'approved in under 10 s ÷ decisions (the guide’s rubber-stamping signal)',
  reversal_rate:
    'actions reversed after review ÷ actions that ran: allowed, sent to review or approved (for a gate: ÷ approved requests; for an approver: ÷ their approvals)',
  miss_rate: 'actions flagged after review ÷ actions that ran (for a gate: ÷ approved requests; for an approver: ÷ their approvals)',
  by_decision: 'actions created in the window by the policy decision they got',
  load_per_day: 'votes cast ÷ days in the window',
  oldest_pending_age_ms: 'age of the oldest request still waiting, now (not limited to the window)',
  backlog: 'requests waiting now (not limited to the window)',
  questions:
    'questions agents asked in the window, as they stand now: answered, unanswered (ran out with no answer), pending; time_to_answer_ms is asked → answered, nearest-rank p50/p90',
  standing_approvals:
    'standing approvals granted in the window; approvals_saved: actions created in the window that a standing approval approved at once (no person asked); uses_per_standing_approval: actions covered so far by each one granted in the window, mean and max',
};

export interface MetricsReport {
  tenant: string;
  generated_at: string;
  window: { name: string; since: string; until: string; days: number };
  by: Grouping | 'all';
  units: { durations: 'ms'; rates: 'fraction 0..1 or null when nothing was counted' };
  definitions: typeof DEFINITIONS;
  thresholds: Thresholds;
  totals: MetricsFigures['tenant'];
  gates?: MetricsFigures['gates'];
  approvers?: MetricsFigures['approvers'];
  agents?: MetricsFigures['agents'];
  questions: AskingFigures['questions'];
  standing_approvals: AskingFigures['standing_approvals'];
  warnings: Warning[];
  recommendations: Recommendation[];
}

export interface MetricsResult {
  figures: MetricsFigures;
  /** Questions and standing approvals over the window. */
  asking: AskingFigures;
  warnings: Warning[];
  recommendations: Recommendation[];
  window: { name: string; since: number; until: number };
}

/** One bucket of a series: its figures for the subject asked for; rates and durations null over nothing. */
export interface SeriesPoint {
  start: string;
  end: string;
  requests: number;
  decisions: number;
  approval_rate: number | null;
  time_to_decision_ms: Percentiles;
  timeout_rate: number | null;
  reversal_rate: number | null;
  miss_rate: number | null;
}

export interface MetricsSeries {
  window: string;
  bucket: Bucket;
  from: string;
  to: string;
  points: SeriesPoint[];
}

export interface SeriesQuery {
  window?: string;
  bucket?: string;
  gate?: string;
  approver?: string;
  agent?: string;
}

/** Milliseconds of a window like `30d`, `12h` or `2w`; throws request.invalid otherwise. */
export function windowMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0 || ms > MAX_WINDOW_MS)
    throw new TollgateError('request.invalid', `\`window\` must be a duration from 1s to 366d, such as \`30d\`, not \`${text}\``, {
      field: 'window',
    });
  return ms;
}

const dayOf = (at: number): number => Math.floor(at / DAY_MS) * DAY_MS;

/** Adds [from, to) to ranges kept in order, joining it to the last when they touch. */
function addRange(ranges: TimeRange[], from: number, to: number): void {
  if (from >= to) return;
  const last = ranges[ranges.length - 1];
  if (last !== undefined && last.to === from) last.to = to;
  else ranges.push({ from, to });
}

/** Folds one day's rows for storage: its cells, and every subject's 24 hourly tallies. */
function foldDay(day: number): (rows: MetricsRows) => DayRollup {
  return (rows) => ({
    cells: cellsFromRows(rows),
    series: [...seriesFromRows(rows)].map(([key, hours]) => {
      const { kind, name } = subjectOfKey(key);
      return { kind, subject: name, hours: encodeDay(day, hours) };
    }),
  });
}

export class MetricsService {
  #rollups: { timer: NodeJS.Timeout; onError: (error: unknown) => void } | undefined;
  #rolling: Promise<{ built: number; busy: number }> | undefined;
  /** Set by stopRollups: a run in progress ends after the day it is building. */
  #halt = false;

  constructor(private readonly deps: { store: Store; clock: Clock; policies: TenantPolicies; thresholds?: Thresholds }) {}

  async compute(tenantId: string, window = DEFAULT_WINDOW): Promise<MetricsResult> {
    const span = windowMs(window);
    const now = this.deps.clock.now();
    const since = now - span;
    const [current, cells, askingRows] = await Promise.all([
      this.deps.store.metrics.current(tenantId),
      this.cells(tenantId, since, now),
      // Few rows, read live: questions and standing approvals are not in the daily rollups. The
      // window ends now, and what happened this very millisecond is in it.
      this.deps.store.metrics.asking(tenantId, { from: since, to: now + 1 }),
    ]);
    const figures = computeMetrics({ ...current, cells }, { since, until: now, now });
    const thresholds = this.deps.thresholds ?? DEFAULT_THRESHOLDS;
    const promoteAfter = this.deps.policies.for(tenantId).current().bundle.autonomy?.promote_after;
    return {
      figures,
      asking: askingFigures(askingRows),
      warnings: findWarnings(figures, thresholds),
      recommendations: findRecommendations(figures, thresholds, promoteAfter === undefined ? {} : { promoteAfter }),
      window: { name: window, since, until: now },
    };
  }

  /**
   * The window's cells: whole days from their stored rollups where those are current, and the rest
   * (the window's ragged ends, today, days not rolled up yet or changed since) read row by row.
   */
  private async cells(tenantId: string, since: number, until: number): Promise<MetricsCells> {
    const { store, clock } = this.deps;
    const firstDay = Math.ceil(since / DAY_MS) * DAY_MS;
    const endDay = Math.max(firstDay, dayOf(until));
    const stored = new Map(
      (await store.metrics.days(tenantId, { from: firstDay, to: endDay }, ROLLUP_FORMAT)).map((d) => [d.day, d.cells]),
    );
    const parts: MetricsCells[] = [...stored.values()];
    const live: TimeRange[] = [];
    addRange(live, since, Math.min(firstDay, until));
    let missing = false;
    for (let day = firstDay; day < endDay; day += DAY_MS) {
      if (stored.has(day)) continue;
      addRange(live, day, day + DAY_MS);
      missing ||= day + DAY_MS + SETTLE_MS <= clock.now();
    }
    addRange(live, Math.max(endDay, since), until);
    // A closed day without a current rollup is read now and rolled up soon, off this request.
    if (missing) this.#kick();
    for (const rows of await Promise.all(live.map((range) => store.metrics.rows(tenantId, range)))) parts.push(cellsFromRows(rows));
    return mergeCells(parts);
  }

  /**
   * Figures per bucket (UTC days or hours) over the window, for the tenant or one gate, approver or
   * agent: closed days from their stored hourly tallies, the rest from rows. `from` is the window's
   * start rounded down to a whole bucket; the last point is the bucket in progress and ends now.
   */
  async series(tenantId: string, query: SeriesQuery = {}): Promise<MetricsSeries> {
    const window = query.window ?? DEFAULT_WINDOW;
    const span = windowMs(window);
    const bucket = (query.bucket ?? 'day') as Bucket;
    if (!(BUCKETS as readonly string[]).includes(bucket))
      throw new TollgateError('request.invalid', `\`bucket\` must be one of ${BUCKETS.join(', ')}, not \`${bucket}\``, { field: 'bucket' });
    if (bucket === 'hour' && span > MAX_HOURLY_WINDOW_MS)
      throw new TollgateError(
        'request.invalid',
        `\`window\` may be at most 31d with \`bucket=hour\`, not \`${window}\`; use \`bucket=day\``,
        {
          field: 'window',
        },
      );
    const subject = await this.subject(tenantId, query);
    const { store, clock } = this.deps;
    const now = clock.now();
    const size = bucket === 'hour' ? HOUR_MS : DAY_MS;
    const from = Math.floor((now - span) / size) * size;
    const firstDay = dayOf(from);
    const today = dayOf(now);
    const days = { from: firstDay, to: today };
    const stored = await store.metrics.series(tenantId, subject, days, ROLLUP_FORMAT);
    const current = new Set(stored.map((d) => d.day));
    const hours = new Map<number, Tally>();
    for (const { day, hours: slots } of stored)
      if (slots !== null) for (const [hour, tally] of decodeDay(day, slots)) hours.set(hour, tally);
    const live: TimeRange[] = [];
    let missing = false;
    for (let day = firstDay; day < today; day += DAY_MS) {
      if (current.has(day)) continue;
      addRange(live, day, day + DAY_MS);
      missing ||= day + DAY_MS + SETTLE_MS <= now;
    }
    addRange(live, Math.max(today, from), now);
    if (missing) this.#kick();
    const key = subjectKey(subject);
    for (const rows of await Promise.all(live.map((range) => store.metrics.rows(tenantId, range))))
      for (const [hour, tally] of seriesFromRows(rows).get(key) ?? []) hours.set(hour, tally);
    const points: SeriesPoint[] = [];
    for (let start = from; start < now; start += size) {
      const end = Math.min(start + size, now);
      const tally = emptyTally();
      for (let hour = start; hour < end; hour += HOUR_MS) {
        const found = hours.get(hour);
        if (found !== undefined) mergeTally(tally, found);
      }
      points.push({ start: new Date(start).toISOString(), end: new Date(end).toISOString(), ...seriesFigures(subject.kind, tally) });
    }
    return { window, bucket, from: new Date(from).toISOString(), to: new Date(now).toISOString(), points };
  }

  /** Whose series is asked for: at most one of gate, approver (by id or name) and agent. */
  private async subject(tenantId: string, query: SeriesQuery): Promise<Subject> {
    const given = GROUPINGS.filter((name) => query[name] !== undefined);
    if (given.length > 1)
      throw new TollgateError(
        'request.invalid',
        `give at most one of \`gate\`, \`approver\` and \`agent\`, not both \`${given[0]}\` and \`${given[1]}\``,
        {
          field: given[1]!,
        },
      );
    const kind = given[0];
    if (kind === undefined) return { kind: 'tenant', name: '' };
    const name = query[kind]!;
    if (kind !== 'approver') return { kind, name };
    // Votes are stored by user id; a name is accepted too, as the Prometheus labels use names.
    const users = this.deps.store.users;
    if ((await users.get(tenantId, name)) !== undefined) return { kind, name };
    return { kind, name: (await users.findByName(tenantId, name))?.id ?? name };
  }

  /**
   * Rolls up every closed day (over SETTLE_MS ago) of every tenant, back to the longest window,
   * whose rollup is missing, of an older layout, or stale: a request or review of the day changed
   * after it was built (a late vote, a timeout, a review that reversed an action days later) and a
   * trigger logged the change. Newest days first. Safe on several nodes: on PostgreSQL each day is
   * claimed for its build, and a node skips the days another is building. Overlapping calls share
   * one run.
   */
  rollUp(): Promise<{ built: number; busy: number }> {
    if (this.#rolling === undefined) this.#halt = false;
    this.#rolling ??= this.#rollUpAll().finally(() => {
      this.#rolling = undefined;
    });
    return this.#rolling;
  }

  async #rollUpAll(): Promise<{ built: number; busy: number }> {
    const { store, clock } = this.deps;
    const now = clock.now();
    const lastDay = dayOf(now - SETTLE_MS) - DAY_MS;
    const horizon = dayOf(now) - HORIZON_DAYS * DAY_MS;
    let built = 0;
    let busy = 0;
    for (const { tenant_id, first } of await store.metrics.activity()) {
      if (first === undefined) continue;
      const from = Math.max(horizon, dayOf(first));
      if (from <= lastDay) {
        const current = new Set(await store.metrics.currentDays(tenant_id, { from, to: lastDay + DAY_MS }, ROLLUP_FORMAT));
        for (let day = lastDay; day >= from && !this.#halt; day -= DAY_MS) {
          if (current.has(day)) continue;
          const result = await store.metrics.rollUp(tenant_id, day, ROLLUP_FORMAT, foldDay(day), clock.now());
          if (result === 'built') built++;
          else if (result === 'busy') busy++;
          // A day's reads run on the one SQLite connection: let requests in between days.
          await yieldToEvents();
        }
      }
      await store.metrics.prune(tenant_id, horizon);
    }
    return { built, busy };
  }

  /** Rolls up now, then every `intervalMs`, until stopped. */
  startRollups(options: { intervalMs?: number; onError?: (error: unknown) => void } = {}): void {
    if (this.#rollups !== undefined) return;
    const onError = options.onError ?? (() => undefined);
    const run = (): void => void this.rollUp().catch(onError);
    this.#rollups = { timer: setInterval(run, options.intervalMs ?? ROLLUP_EVERY_MS).unref(), onError };
    run();
  }

  async stopRollups(): Promise<void> {
    clearInterval(this.#rollups?.timer);
    this.#rollups = undefined;
    this.#halt = true;
    await this.#rolling?.catch(() => undefined);
  }

  /** A query met a closed day without a current rollup: build it now rather than at the next tick. */
  #kick(): void {
    const rollups = this.#rollups;
    if (rollups !== undefined && this.#rolling === undefined) void this.rollUp().catch(rollups.onError);
  }

  async report(tenantId: string, options: { window?: string; by?: string } = {}): Promise<MetricsReport> {
    const by = options.by;
    if (by !== undefined && !(GROUPINGS as readonly string[]).includes(by))
      throw new TollgateError('request.invalid', `\`by\` must be one of ${GROUPINGS.join(', ')}, not \`${by}\``, { field: 'by' });
    const result = await this.compute(tenantId, options.window ?? DEFAULT_WINDOW);
    const { figures } = result;
    const { asking } = result;
    return {
      tenant: tenantId,
      generated_at: new Date(result.window.until).toISOString(),
      window: {
        name: result.window.name,
        since: new Date(result.window.since).toISOString(),
        until: new Date(result.window.until).toISOString(),
        days: figures.days,
      },
      by: (by as Grouping | undefined) ?? 'all',
      units: { durations: 'ms', rates: 'fraction 0..1 or null when nothing was counted' },
      definitions: DEFINITIONS,
      thresholds: this.deps.thresholds ?? DEFAULT_THRESHOLDS,
      totals: figures.tenant,
      ...(by === undefined || by === 'gate' ? { gates: figures.gates } : {}),
      ...(by === undefined || by === 'approver' ? { approvers: figures.approvers } : {}),
      ...(by === undefined || by === 'agent' ? { agents: figures.agents } : {}),
      questions: asking.questions,
      standing_approvals: asking.standing_approvals,
      warnings: result.warnings,
      recommendations: result.recommendations,
    };
  }
}
