// Oversight metrics of questions and standing approvals over real HTTP on SQLite and PostgreSQL:
// questions asked, answered, run out and waiting, with time to answer; standing approvals granted,
// the requests they spared people and their uses, all from a history made through the API.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/util/clock.js';
import { createTestDatabase, DATABASES, type TestDatabase } from './helpers/databases.js';
import { startTestServer, type Authed, type TestServer } from './helpers/in-process.js';

const POLICY = `
defaults:
  decision: ALLOW
  approvers: [ops]
rules:
  - name: scaling
    match: { action_type: scale }
    decision: REQUIRE_APPROVAL
    standing: { max_for: 8h, max_uses: 50 }
questions:
  timeout: 1h
`;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe.each(DATABASES)('question and standing approval metrics on %s', (kind) => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 9));
  let database: TestDatabase;
  let server: TestServer;
  let bot: Authed;
  let alice: Authed;
  let admin: Authed;
  let ticket = 0;

  const ask = async (question: string): Promise<string> => {
    const asked = await bot('POST', '/v1/questions', { question });
    expect(asked.status).toBe(201);
    return asked.body.id as string;
  };
  const answer = async (id: string): Promise<void> => {
    expect((await alice('POST', `/v1/questions/${id}/answers`, { text: 'go ahead' })).status).toBe(201);
  };
  /** A scale request (wider than any standing approval covers) alice approves with a standing approval; answers its id. */
  const grant = async (uses: number): Promise<string> => {
    const submitted = await bot('POST', '/v1/actions', { action_type: 'scale', replicas: 100, ticket: ++ticket });
    const voted = await alice('POST', `/v1/approvals/${submitted.body.approval.id}/votes`, {
      verdict: 'approve',
      standing: { for: '8h', uses, constraints: { replicas: { lte: 4 } } },
    });
    expect(voted.status, JSON.stringify(voted.body)).toBe(201);
    return voted.body.standing_approval.id as string;
  };

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    server = await startTestServer(database.url, { 'policy.yaml': POLICY }, { clock });
    bot = await server.agent('scale-bot');
    alice = await server.person('alice', 'approver', { groups: ['ops'] });
    admin = await server.person('ada', 'admin');

    // Three questions: answered after 2 and 10 minutes, and one nobody answers within its hour.
    const quick = await ask('Scale the canary first?');
    const slow = await ask('Which region is quieter tonight?');
    const unanswered = await ask('May I drop the old snapshots?');
    clock.advance(2 * MINUTE);
    await answer(quick);
    clock.advance(8 * MINUTE);
    await answer(slow);
    clock.advance(2 * HOUR);
    expect((await bot('GET', `/v1/questions/${unanswered}`)).body.status).toBe('expired');
    // Asked just now: still waiting.
    await ask('Is the freeze over?');

    // Two standing approvals: one covering three actions, one never used.
    const used = await grant(10);
    for (let i = 0; i < 3; i++) {
      const covered = await bot('POST', '/v1/actions', { action_type: 'scale', replicas: 2, ticket: ++ticket });
      expect(covered.body).toMatchObject({ status: 'approved', standing_approval: used });
    }
    await grant(5);
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  it('counts questions asked, answered, unanswered and waiting, with time to answer p50/p90', async () => {
    const report = (await admin('GET', '/v1/metrics')).body;
    expect(report.questions).toEqual({
      asked: 4,
      answered: 2,
      unanswered: 1,
      pending: 1,
      time_to_answer_ms: { p50: 2 * MINUTE, p90: 10 * MINUTE },
    });
    expect(report.definitions.questions).toContain('time_to_answer_ms');
  });

  it('counts standing approvals granted, the approvals they saved and their uses', async () => {
    const report = (await admin('GET', '/v1/metrics')).body;
    expect(report.standing_approvals).toEqual({ granted: 2, approvals_saved: 3, uses_per_standing_approval: { mean: 1.5, max: 3 } });
  });

  it('exposes them in Prometheus text', async () => {
    const { status, body } = await admin('GET', '/metrics');
    expect(status).toBe(200);
    expect(body).toContain('tollgate_questions{status="answered",window="30d"} 2\n');
    expect(body).toContain('tollgate_questions{status="unanswered",window="30d"} 1\n');
    expect(body).toContain('tollgate_question_time_to_answer_seconds{quantile="0.9",window="30d"} 600\n');
    expect(body).toContain('tollgate_standing_approvals_granted{window="30d"} 2\n');
    expect(body).toContain('tollgate_approvals_saved{window="30d"} 3\n');
  });

  it('keeps to the window', async () => {
    clock.advance(30 * MINUTE);
    const recent = (await admin('GET', '/v1/metrics?window=1h')).body;
    expect(recent.questions).toMatchObject({
      asked: 1,
      answered: 0,
      unanswered: 0,
      pending: 1,
      time_to_answer_ms: { p50: null, p90: null },
    });
    expect(recent.standing_approvals.granted).toBe(2);
    clock.advance(2 * HOUR);
    const later = (await admin('GET', '/v1/metrics?window=1h')).body;
    expect(later.standing_approvals).toEqual({ granted: 0, approvals_saved: 0, uses_per_standing_approval: { mean: null, max: null } });
    expect(later.questions.asked).toBe(0);
  });
});
