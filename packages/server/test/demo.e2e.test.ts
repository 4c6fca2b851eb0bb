// `tollgate demo`'s simulation run against a real server on the starter policy, on an injected
// clock: four days of agents, workers and the simulated team, recorded at full speed, must leave
// the oversight figures showing what the demo is for: a rubber-stamping approver and a gate nobody
// ever denies, beside careful people who take minutes and sometimes say no.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveConfig } from '../src/config/config.js';
import { DemoTraffic } from '../src/demo/demo-traffic.js';
import { DEMO_PASSWORD } from '../src/demo/simulated-people.js';
import { startServer, type RunningServer } from '../src/server/start.js';
import { ManualClock } from '../src/util/clock.js';
import { client } from './helpers/http.js';
import { REPO } from './helpers/server-process.js';

const DAY = 86_400_000;
const START = Date.UTC(2026, 2, 2, 6, 0);

interface Finding {
  kind: string;
  subject: { gate?: string; name?: string; tenant?: true };
  message: string;
}

describe('the demo’s simulated agents, workers and approvers', { timeout: 180_000 }, () => {
  const clock = new ManualClock(START);
  const errors: unknown[] = [];
  let folder: string;
  let server: RunningServer;
  let traffic: DemoTraffic;
  let metrics: {
    warnings: Finding[];
    totals: { by_decision: Record<string, number>; votes: { denials: number; changes_requested: number; notes: number } };
    gates: { gate: string; votes: { approvers: number; decisions: number } }[];
    approvers: { name: string; decisions: number; quick_approval_rate: number | null; time_to_vote_ms: { p50: number | null } }[];
  };

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'tollgate-demo-'));
    const config = serveConfig(
      { db: join(folder, 'demo.db'), policy: join(REPO, 'examples/starter'), port: 0, host: '127.0.0.1', rateLimit: 0 },
      {},
    );
    server = await startServer(config, { clock, logger: false, watchPolicy: false, timerIntervalMs: 0 });
    await server.services.auth.addUser({ name: 'lead', password: 'lead-password', role: 'auditor' });
    traffic = await DemoTraffic.start({
      url: server.url,
      services: server.services,
      clock,
      intervalMs: 2000,
      historyPerDay: 120,
      onError: (error) => errors.push(error),
    });
    await traffic.recordHistory(() => START + 4 * DAY);
    const session = await server.services.auth.login('lead', 'lead-password');
    metrics = (await client(server.url, session.token)('GET', '/v1/metrics?window=7d')).body;
  });

  afterAll(async () => {
    traffic?.stop();
    await server?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('runs over the real API without a refused call, and moves the clock through the days', () => {
    expect(errors).toEqual([]);
    expect(clock.now()).toBe(START + 4 * DAY);
    expect(traffic.counts.actions).toBeGreaterThan(300);
    // The starter policy shows all four decisions on the agents' actions.
    for (const decision of ['ALLOW', 'REVIEW', 'REQUIRE_APPROVAL', 'DENY']) expect(metrics.totals.by_decision[decision]).toBeGreaterThan(0);
    // Production deploys went through the workflow's worker steps (analysis, then the deploy).
    expect(traffic.counts.jobs).toBeGreaterThan(10);
  });

  it('flags the approver who rubber-stamps, and only that one', () => {
    const stamping = metrics.warnings.filter((w) => w.kind === 'rubber_stamping' && w.subject.name !== undefined);
    expect(stamping.map((w) => w.subject.name)).toEqual(['frank']);
    const frank = metrics.approvers.find((a) => a.name === 'frank')!;
    expect(frank.decisions).toBeGreaterThanOrEqual(20);
    expect(frank.time_to_vote_ms.p50).toBeLessThan(10_000);
    // Everyone else takes a human time: tens of seconds to minutes.
    for (const person of metrics.approvers.filter((a) => a.name !== 'frank')) {
      expect(person.time_to_vote_ms.p50, person.name).toBeGreaterThan(30_000);
      expect(person.quick_approval_rate ?? 0, person.name).toBeLessThan(0.2);
    }
  });

  it('flags the gate nobody ever denies as approval theater', () => {
    const theater = metrics.warnings.filter((w) => w.kind === 'approval_theater').map((w) => w.subject.gate);
    expect(theater).toContain('bulk-operations');
    const bulk = metrics.gates.find((g) => g.gate === 'bulk-operations')!;
    expect(bulk.votes.decisions).toBeGreaterThanOrEqual(50);
    expect(bulk.votes.approvers).toBeGreaterThan(1);
    // The careful gates are not theater: people there deny, ask for changes and leave notes.
    expect(theater).not.toContain('production-deploys');
    expect(metrics.totals.votes.denials).toBeGreaterThan(0);
    expect(metrics.totals.votes.changes_requested).toBeGreaterThan(0);
    expect(metrics.totals.votes.notes).toBeGreaterThan(0);
  });

  it('lets the demo people sign in with the printed password', async () => {
    const session = await server.services.auth.login('alice', DEMO_PASSWORD);
    expect(session.user.groups).toEqual(['oncall', 'tech-lead']);
    // In the history alice decided too: her seat becomes the person at the keyboard's only when the demo goes live.
    expect(metrics.approvers.find((a) => a.name === 'alice')!.decisions).toBeGreaterThan(0);
  });
});
