// Hostile expressions over real HTTP: a catastrophic regular expression and nested CEL
// comprehensions in a simulation, and the same regex in a shadow policy, must not hold the event
// loop that answers /healthz and decisions; a literal comprehension too costly is refused at load.

import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulationService } from '../../src/services/simulation-service.js';
import { systemClock } from '../../src/util/clock.js';
import { securityPolicy, startHarness, type Answer, type Harness } from './harness.js';

/** 2^26 backtracking steps for `^(a+)+$`: seconds of a blocked event loop on a backtracking engine. */
const HOSTILE_SUMMARY = `${'a'.repeat(26)}!`;
const list = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

const CANDIDATE = `
defaults: { decision: ALLOW }
rules:
  - name: all-as
    match: { summary: { matches: "^(a+)+$" } }
    decision: DENY
  - name: triples
    condition: "size(L.map(a, L.map(b, L.filter(c, a+b+c>0)))) > 0"
    decision: REVIEW
`;

describe('hostile expressions', () => {
  let server: Harness;
  let admin: string;
  let auditor: string;
  let bot: string;

  const decide = (body: Record<string, unknown>): Promise<Answer> => server.send('POST', '/v1/actions', { token: bot, body });

  beforeAll(async () => {
    server = await startHarness(securityPolicy());
    admin = (await server.person('ada', 'admin')).token;
    auditor = (await server.person('aud', 'auditor')).token;
    bot = (await server.agent('bot')).token;
    // One action with the summary that makes `^(a+)+$` backtrack, and many whose list makes the
    // nested comprehension run past its cost limit (60^3 elements; a few ms each when it must stop).
    expect((await decide({ action_type: 'summarize', summary: HOSTILE_SUMMARY })).status).toBe(201);
    for (let batch = 0; batch < 10; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => decide({ action_type: 'count', summary: `batch ${batch} ${i}`, L: list(60) })),
      );
      for (const answer of answers) expect(answer.status).toBe(201);
    }
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  it('answers /healthz and a decision while a hostile simulation runs, and the simulation still reports', async () => {
    const finished: string[] = [];
    const simulate = server
      .send('POST', '/v1/policy/simulate', { token: admin, body: { files: [{ path: 'candidate.yaml', text: CANDIDATE }], since: '1d' } })
      .then((answer) => {
        finished.push('simulate');
        return answer;
      });
    // Let the simulation start before asking the others.
    await new Promise((resolve) => setTimeout(resolve, 150));
    const health = server.send('GET', '/healthz').then((answer) => {
      finished.push('healthz');
      return answer;
    });
    const decision = decide({ action_type: 'deploy', environment: 'staging' }).then((answer) => {
      finished.push('decision');
      return answer;
    });
    const [simulated, healthz, decided] = await Promise.all([simulate, health, decision]);
    expect(healthz.status).toBe(200);
    expect(decided.status).toBe(201);
    expect(finished.indexOf('healthz')).toBeLessThan(finished.indexOf('simulate'));
    expect(finished.indexOf('decision')).toBeLessThan(finished.indexOf('simulate'));

    expect(simulated.status, simulated.text).toBe(200);
    expect(simulated.body.replayed).toBe(201);
    // The catastrophic pattern answered (no match: the summary ends in `!`), and every costly
    // condition failed closed to DENY instead of running for seconds.
    expect(simulated.body.decisions.after).toMatchObject({ ALLOW: 1, DENY: 200 });
  }, 60_000);

  it('refuses at load a literal comprehension whose cost is already over the limit, promptly', async () => {
    const literal = `[${list(500).join(',')}]`;
    const text = `rules:\n  - name: triples\n    condition: "size(${literal}.map(a, ${literal}.map(b, ${literal}.filter(c, a+b+c>0)))) > 0"\n    decision: DENY\n`;
    expect(text.length).toBeGreaterThan(5_000);
    // A tenant without history: a backtracking kernel would accept it and run it per action for hours.
    const quiet = (await server.person('quinn', 'admin', { tenant: 'quiet' })).token;
    const answer = await server.send('POST', '/v1/policy/simulate', { token: quiet, body: { files: [{ path: 'c.yaml', text }] } });
    expect(answer.status, answer.text).toBe(422);
    expect(answer.body.error.code).toBe('policy.invalid');
    expect(answer.body.error.details.diagnostics).toEqual([
      expect.objectContaining({ code: 'cel.cost_exceeded', file: 'c.yaml', line: 3 }),
    ]);
  });

  it('refuses lookaround and backreferences in a candidate at load, naming the position', async () => {
    const text = 'rules:\n  - name: r\n    match: { summary: { matches: "(a+)\\\\1" } }\n    decision: DENY\n';
    const answer = await server.send('POST', '/v1/policy/simulate', { token: admin, body: { files: [{ path: 'c.yaml', text }] } });
    expect(answer.status).toBe(422);
    expect(answer.body.error.details.diagnostics).toEqual([
      expect.objectContaining({ code: 'policy.regex_unsupported', file: 'c.yaml', line: 3, column: 34 }),
    ]);
  });

  it('stops a simulation at its time limit, saying how far it got, and leaves nothing behind', async () => {
    const simulations = new SimulationService({ store: server.services.store, clock: systemClock, limits: { timeMs: 50 } });
    const before = await server.services.store.actions.count('default', { since: 0 });
    const error = await simulations.simulate('default', [{ path: 'c.yaml', text: CANDIDATE }], { since: '1d' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'simulate.timeout', details: { limit_ms: 50 } });
    expect((error as Error).message).toMatch(/^the simulation did not finish within 0\.05 s; it had replayed \d+ of \d+ actions$/);
    expect(await server.services.store.actions.count('default', { since: 0 })).toBe(before);
  });

  it('refuses simulations past the per-person rate and past the queue', async () => {
    const simulations = new SimulationService({
      store: server.services.store,
      clock: systemClock,
      limits: { perMinute: 1, running: 1, queued: 0 },
    });
    const files = [{ path: 'c.yaml', text: 'defaults: { decision: ALLOW }\n' }];
    const first = simulations.simulate('default', files, { who: 'user:a', since: '1d' });
    await expect(simulations.simulate('default', files, { who: 'user:a' })).rejects.toMatchObject({ code: 'request.rate_limited' });
    await expect(simulations.simulate('default', files, { who: 'user:b' })).rejects.toMatchObject({ code: 'simulate.busy' });
    expect((await first).replayed).toBeGreaterThan(0);
  });

  it('keeps simulation for people who may change the policy', async () => {
    const answer = await server.send('POST', '/v1/policy/simulate', {
      token: auditor,
      body: { files: [{ path: 'c.yaml', text: CANDIDATE }], since: '1d' },
    });
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe('auth.forbidden');
  });

  it('does not hold decisions with a shadow policy that holds the catastrophic pattern', async () => {
    const shadow = await server.send('PUT', '/v1/policy/shadow', { token: admin, body: { files: [{ path: 's.yaml', text: CANDIDATE }] } });
    expect(shadow.status, shadow.text).toBe(200);
    try {
      // The server runs in this process: the event loop's longest stall while the hostile action
      // is decided is what a backtracking shadow evaluation would show (seconds at this length).
      const stalls = monitorEventLoopDelay({ resolution: 10 });
      const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));
      stalls.enable();
      // The monitor samples every 10 ms: give it samples on both sides of the decision.
      await tick();
      const answered = await decide({ action_type: 'summarize', summary: HOSTILE_SUMMARY });
      const healthz = await server.send('GET', '/healthz');
      await tick();
      stalls.disable();
      expect(stalls.count).toBeGreaterThan(0);
      expect(answered.status).toBe(201);
      expect(answered.body.decision).toBe('ALLOW');
      expect(healthz.status).toBe(200);
      expect(stalls.max / 1e6).toBeLessThan(1_000);
      // The shadow did evaluate it: one more decision seen, the same ALLOW (the summary ends in `!`).
      const summary = await server.send('GET', '/v1/policy/shadow', { token: admin });
      expect(summary.body.evaluated).toBeGreaterThanOrEqual(1);
      expect(summary.body.differed).toBe(0);
    } finally {
      await server.send('DELETE', '/v1/policy/shadow', { token: admin });
    }
  }, 60_000);
});
