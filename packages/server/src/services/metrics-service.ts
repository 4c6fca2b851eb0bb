// Oversight metrics for a tenant and window (DESIGN §6): reads the window's facts from the store,
// has core compute figures, warnings and recommendations, and renders them as JSON or Prometheus.

import {
  cellsFromRows,
  computeMetrics,
  mergeCells,
  type MetricsCells,
  DEFAULT_THRESHOLDS,
  findRecommendations,
  findWarnings,
  parseDuration,
  type MetricsFigures,
  type Recommendation,
  type Thresholds,
  type Warning,
} from '@tollgate/core';
import { TollgateError } from '../errors.js';
import type { Store } from '../stores/store.js';
import type { Clock } from '../util/clock.js';
import type { PolicyService } from './policy-service.js';

export const GROUPINGS = ['gate', 'approver', 'agent'] as const;
export type Grouping = (typeof GROUPINGS)[number];
export const DEFAULT_WINDOW = '30d';
const MAX_WINDOW_MS = 366 * 86_400_000;
const DAY_MS = 86_400_000;
/**
 * A day is rolled up this long after it ends: writes stamped by a node whose clock runs a little
 * behind, or still in a group commit, land before the day is frozen.
 */
const SETTLE_MS = 3_600_000;

/** What each figure means, so a chart can label it without knowing this code. */
const DEFINITIONS = {
  approval_rate: 'approved ÷ requests decided by people (timeouts excluded)',
  timeout_rate: 'timed out ÷ requests decided (by people or by timeout)',
  time_to_decision_ms:
    'request created → final verdict, for requests decided by people: nearest-rank p50/p90/p99, each a duration that occurred, at most 10% above the exact percentile (daily rollups keep log-spaced histograms)',
  time_to_vote_ms: 'when the approver could act (assignment, else request) → their vote',
  quick_approval_rate: 'approved in under 10 s ÷ decisions (the guide’s rubber-stamping signal)',
  reversal_rate: 'actions reversed after review ÷ actions that ran: allowed, sent to review or approved (for a gate: ÷ approved requests)',
  miss_rate: 'actions flagged after review ÷ actions that ran (for a gate: ÷ approved requests)',
  by_decision: 'actions created in the window by the policy decision they got',
  load_per_day: 'votes cast ÷ days in the window',
  oldest_pending_age_ms: 'age of the oldest request still waiting, now (not limited to the window)',
  backlog: 'requests waiting now (not limited to the window)',
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
  warnings: Warning[];
  recommendations: Recommendation[];
}

export interface MetricsResult {
  figures: MetricsFigures;
  warnings: Warning[];
  recommendations: Recommendation[];
  window: { name: string; since: number; until: number };
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

export class MetricsService {
  constructor(private readonly deps: { store: Store; clock: Clock; policies: PolicyService; thresholds?: Thresholds }) {}

  async compute(tenantId: string, window = DEFAULT_WINDOW): Promise<MetricsResult> {
    const span = windowMs(window);
    const now = this.deps.clock.now();
    const since = now - span;
    const current = await this.deps.store.metrics.current(tenantId, { from: since, to: now });
    const facts = { ...current, cells: await this.cells(tenantId, since, now, current.pending) };
    const figures = computeMetrics(facts, { since, until: now, now });
    const thresholds = this.deps.thresholds ?? DEFAULT_THRESHOLDS;
    const promoteAfter = this.deps.policies.current().bundle.autonomy?.promote_after;
    return {
      figures,
      warnings: findWarnings(figures, thresholds),
      recommendations: findRecommendations(figures, thresholds, promoteAfter === undefined ? {} : { promoteAfter }),
      window: { name: window, since, until: now },
    };
  }

  /**
   * The window's cells: whole days from their stored rollups, rolling up settled days that have
   * none yet, and the rest (the window's ragged ends, days still settling or with requests still
   * waiting, whose figures can change) read row by row.
   */
  private async cells(tenantId: string, since: number, until: number, pending: { created_at: number }[]): Promise<MetricsCells> {
    const { store, clock } = this.deps;
    const now = clock.now();
    const firstDay = Math.ceil(since / DAY_MS) * DAY_MS;
    const endDay = Math.max(firstDay, Math.floor(until / DAY_MS) * DAY_MS);
    const stored = new Map((await store.metrics.days(tenantId, { from: firstDay, to: endDay })).map((d) => [d.day, d.cells]));
    const waiting = new Set(pending.map((p) => Math.floor(p.created_at / DAY_MS) * DAY_MS));
    const parts: MetricsCells[] = [];
    const live: { from: number; to: number }[] = [];
    const readLive = (from: number, to: number): void => {
      if (from >= to) return;
      const last = live[live.length - 1];
      if (last !== undefined && last.to === from) last.to = to;
      else live.push({ from, to });
    };
    readLive(since, Math.min(firstDay, until));
    for (let day = firstDay; day < endDay; day += DAY_MS) {
      const cells = stored.get(day);
      if (cells !== undefined) parts.push(cells);
      else if (day + DAY_MS + SETTLE_MS <= now && !waiting.has(day)) {
        const rolled = cellsFromRows(await store.metrics.rows(tenantId, { from: day, to: day + DAY_MS }));
        await store.metrics.saveDay(tenantId, day, rolled, now);
        parts.push(rolled);
      } else readLive(day, day + DAY_MS);
    }
    readLive(Math.max(endDay, since), until);
    for (const range of live) parts.push(cellsFromRows(await store.metrics.rows(tenantId, range)));
    return mergeCells(parts);
  }

  async report(tenantId: string, options: { window?: string; by?: string } = {}): Promise<MetricsReport> {
    const by = options.by;
    if (by !== undefined && !(GROUPINGS as readonly string[]).includes(by))
      throw new TollgateError('request.invalid', `\`by\` must be one of ${GROUPINGS.join(', ')}, not \`${by}\``, { field: 'by' });
    const result = await this.compute(tenantId, options.window ?? DEFAULT_WINDOW);
    const { figures } = result;
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
      warnings: result.warnings,
      recommendations: result.recommendations,
    };
  }
}
