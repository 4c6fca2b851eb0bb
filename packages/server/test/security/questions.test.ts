// Questions stay in their tenant and only people answer them: another tenant's people and agents
// get a 404 for a question's id (as if it did not exist) and change nothing; an agent, even the
// one that asked, can never answer a question.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';

const POLICY = 'defaults: { decision: ALLOW }\n';

describe('questions across tenants and callers', () => {
  let server: Harness;
  let northAgent: string;
  let southAgent: string;
  let northApprover: string;
  let northAdmin: string;
  let southQuestion: string;

  beforeAll(async () => {
    server = await startHarness(POLICY, { tenants: ['north', 'south'] });
    northAgent = (await server.agent('deploy-bot', 'north')).token;
    southAgent = (await server.agent('deploy-bot', 'south')).token;
    northApprover = (await server.person('alice', 'approver', { tenant: 'north' })).token;
    northAdmin = (await server.person('root', 'admin', { tenant: 'north' })).token;
    await server.person('south-alice', 'approver', { tenant: 'south' });
    const asked = await server.send('POST', '/v1/questions', {
      token: southAgent,
      body: { question: 'South only: which vault?', choices: ['a', 'b'] },
    });
    expect(asked.status, asked.text).toBe(201);
    southQuestion = asked.body.id;
  });

  afterAll(async () => {
    await server?.close();
  });

  it('answers another tenant’s question id with 404 to its agents and people, and leaves it pending', async () => {
    for (const token of [northAgent, northApprover, northAdmin]) {
      const read = await server.send('GET', `/v1/questions/${southQuestion}`, { token });
      expect(read.status).toBe(404);
      expect(read.body.error.code).toBe('question.not_found');
      expect(read.text).not.toContain('South only');
    }
    for (const token of [northApprover, northAdmin]) {
      const answer = await server.send('POST', `/v1/questions/${southQuestion}/answers`, { token, body: { choice: 'a' } });
      expect(answer.status).toBe(404);
      expect(answer.body.error.code).toBe('question.not_found');
      const inbox = await server.send('GET', '/v1/questions', { token });
      expect(inbox.body.questions).toEqual([]);
    }
    const stored = await server.services.store.questions.get('south', southQuestion);
    expect(stored).toMatchObject({ status: 'pending', answer: null, answered_by: null });
  });

  it('never lets an agent answer, not even its own question', async () => {
    for (const token of [southAgent, northAgent]) {
      const answer = await server.send('POST', `/v1/questions/${southQuestion}/answers`, { token, body: { choice: 'a' } });
      expect(answer.status).toBe(403);
      expect(answer.body.error.code).toBe('auth.forbidden');
    }
    expect(await server.services.store.questions.get('south', southQuestion)).toMatchObject({ status: 'pending', answer: null });
    expect(await server.services.store.audit.list('south', { afterSeq: 0, limit: 100, type: 'question.answered' })).toEqual([]);
  });
});
