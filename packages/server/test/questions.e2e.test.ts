// Agents asking people over real HTTP on both databases: a question routed to the policy's
// `questions.approvers`, held open with `?wait=` until a person answers, the answer naming who
// gave it; bad questions and answers refused by field; the deadline escalating once, then expiring.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveConfig } from '../src/config/config.js';
import { startServer, type RunningServer } from '../src/server/start.js';
import { ManualClock } from '../src/util/clock.js';
import { createTestDatabase, DATABASES, type TestDatabase } from './helpers/databases.js';
import { client } from './helpers/http.js';

const HOUR = 3_600_000;

const POLICY = `
defaults: { decision: ALLOW, approvers: [everyone] }
questions:
  approvers: [oncall]
  timeout: 1h
  on_timeout: escalate
  escalate_to: [leads]
`;

describe.each(DATABASES)('questions on %s', (kind) => {
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 9));
  let database: TestDatabase;
  let folder: string;
  let server: RunningServer;
  let agentKey: string;

  const agent = () => client(server.url, agentKey);
  const person = async (name: string) => client(server.url, (await server.services.auth.login(name, `${name}-password`)).token);
  const audit = async (type: string, subject: string) =>
    (await server.services.store.audit.list('default', { afterSeq: 0, limit: 1000, type, subject })).length;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    folder = mkdtempSync(join(tmpdir(), 'tollgate-questions-'));
    writeFileSync(join(folder, 'policy.yaml'), POLICY);
    const config = serveConfig({ db: database.url, policy: folder, port: 0, host: '127.0.0.1', rateLimit: 0 }, {});
    server = await startServer(config, { clock, logger: false, watchPolicy: false, timerIntervalMs: 0 });
    for (const [name, group, role] of [
      ['olga', 'oncall', 'approver'],
      ['lena', 'leads', 'approver'],
      ['aude', 'oncall', 'auditor'],
    ] as const) {
      await server.services.auth.addUser({ name, password: `${name}-password`, role, groups: [group] });
    }
    agentKey = (await server.services.auth.createKey('deploy-bot')).secret;
  });

  afterAll(async () => {
    await server?.close();
    await database?.drop();
    if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
  });

  it('holds a waiting agent until an eligible person answers, and names who answered', async () => {
    const asked = await agent()('POST', '/v1/questions', {
      question: 'Which region should the canary go to?',
      choices: ['eu-west-1', 'us-east-1'],
      free_text: true,
      context: { service: 'checkout' },
      urgency: 'high',
    });
    expect(asked.status, JSON.stringify(asked.body)).toBe(201);
    expect(asked.body).toMatchObject({ status: 'pending', approvers: ['oncall'], urgency: 'high', answer: null });
    const id = asked.body.id as string;

    const waiting = agent()('GET', `/v1/questions/${id}?wait=30`);
    const olga = await person('olga');
    const inbox = await olga('GET', '/v1/questions');
    expect(inbox.body.questions.map((q: { id: string }) => q.id)).toContain(id);
    // Not routed to the leads until it escalates; an auditor reads but never answers.
    expect((await (await person('lena'))('GET', '/v1/questions')).body.questions.map((q: { id: string }) => q.id)).not.toContain(id);
    const lena = await (await person('lena'))('POST', `/v1/questions/${id}/answers`, { choice: 'eu-west-1' });
    expect(lena.status).toBe(403);
    expect(lena.body.error.code).toBe('question.not_eligible');
    expect((await (await person('aude'))('POST', `/v1/questions/${id}/answers`, { choice: 'eu-west-1' })).body.error.code).toBe(
      'auth.forbidden',
    );

    const bad = await olga('POST', `/v1/questions/${id}/answers`, { choice: 'ap-south-1' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'question.invalid_answer', details: { field: 'choice' } });

    const answered = await olga('POST', `/v1/questions/${id}/answers`, { choice: 'eu-west-1', text: 'quieter at night' });
    expect(answered.status, JSON.stringify(answered.body)).toBe(201);
    const heard = await waiting;
    expect(heard.body).toMatchObject({
      status: 'answered',
      answer: { choices: ['eu-west-1'], text: 'quieter at night', answered_by: { name: 'olga' } },
    });
    const again = await olga('POST', `/v1/questions/${id}/answers`, { choice: 'us-east-1' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('question.closed');
    expect(await audit('question.asked', id)).toBe(1);
    expect(await audit('question.answered', id)).toBe(1);
  });

  it('refuses a malformed question naming the field, storing nothing', async () => {
    const before = (await server.services.store.questions.list('default', { limit: 1000 })).length;
    for (const [body, field] of [
      [{}, 'question'],
      [{ question: 'x', choices: [] }, 'choices'],
      [{ question: 'x', choices: ['a', 'a'] }, 'choices[1]'],
      [{ question: 'x', multiple: true }, 'multiple'],
      [{ question: 'x', urgency: 'asap' }, 'urgency'],
      [{ question: 'x', context: 'see above' }, 'context'],
      [{ question: 'x', colour: 'red' }, 'colour'],
    ] as const) {
      const answer = await agent()('POST', '/v1/questions', body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'question.invalid', details: { field } });
    }
    expect((await server.services.store.questions.list('default', { limit: 1000 })).length).toBe(before);
  });

  it('escalates an unanswered question to `escalate_to` once at its deadline, then expires it', async () => {
    const asked = await agent()('POST', '/v1/questions', { question: 'Is the freeze over?' });
    const id = asked.body.id as string;
    expect(asked.body).toMatchObject({ choices: null, free_text: true });
    clock.advance(HOUR);
    await server.services.timers.sweep();
    const escalated = await agent()('GET', `/v1/questions/${id}`);
    expect(escalated.body).toMatchObject({ status: 'pending', escalated: true, approvers: ['leads'] });
    const lena = await person('lena');
    expect((await lena('GET', '/v1/questions')).body.questions.map((q: { id: string }) => q.id)).toContain(id);
    clock.advance(HOUR);
    // Read before the sweep: the deadline is applied on reading too.
    const expired = await agent()('GET', `/v1/questions/${id}?wait=5`);
    expect(expired.body).toMatchObject({ status: 'expired', answer: null });
    expect((await lena('POST', `/v1/questions/${id}/answers`, { text: 'yes' })).body.error.code).toBe('question.closed');
    expect(await audit('question.escalated', id)).toBe(1);
    expect(await audit('question.expired', id)).toBe(1);
  });

  it('shows an agent only its own questions', async () => {
    const asked = await agent()('POST', '/v1/questions', { question: 'Mine?' });
    const other = client(server.url, (await server.services.auth.createKey('other-bot')).secret);
    const read = await other('GET', `/v1/questions/${asked.body.id}`);
    expect(read.status).toBe(404);
    expect(read.body.error.code).toBe('question.not_found');
  });
});
