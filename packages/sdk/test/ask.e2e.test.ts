// `ask()` against a real server: it waits until a person answers and resolves with the answer and
// who gave it; with its wait spent it throws QuestionPending, and `resume` picks the same question
// up; a question nobody answers before its deadline ends as QuestionExpired; a bad question is
// the server's refusal, naming the field.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QuestionExpired, QuestionPending, Tollgate, TollgateRequestError } from '@tollgate/sdk';
import { eventually, startTollgate, type Approver, type TollgateServer } from './helpers/tollgate-server.js';

describe('ask() answered by a person', () => {
  let server: TollgateServer;
  let tollgate: Tollgate;
  let olga: Approver;

  beforeAll(async () => {
    server = await startTollgate('defaults: { decision: ALLOW }\nquestions: { approvers: [approvers] }\n');
    tollgate = new Tollgate({ baseUrl: server.url, apiKey: await server.key('deploy-bot') });
    olga = await server.approver('olga');
  });
  afterAll(() => server?.close());

  it('resolves with the answer and who answered, once a person answers', async () => {
    const asking = tollgate.ask({
      question: 'Which region should the canary go to?',
      choices: ['eu-west-1', 'us-east-1'],
      free_text: true,
      context: { service: 'checkout' },
      urgency: 'high',
      wait: 30,
    });
    const waiting = await eventually(
      async () => (await olga.questions()).find((q) => q.question.startsWith('Which region')),
      'the question',
    );
    await olga.answer(waiting.id, { choice: 'us-east-1', text: 'eu is frozen today' });
    await expect(asking).resolves.toMatchObject({
      question_id: waiting.id,
      choices: ['us-east-1'],
      text: 'eu is frozen today',
      answered_by: { name: 'olga' },
    });
  });

  it('throws QuestionPending when its wait runs out, and resumes the same question by id', async () => {
    const error = await tollgate.ask({ question: 'May I rotate the keys tonight?', wait: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuestionPending);
    const id = (error as QuestionPending).question.id;
    const resumed = tollgate.ask({ resume: id, wait: 30 });
    await olga.answer(id, { text: 'yes, after 22:00' });
    await expect(resumed).resolves.toMatchObject({ question_id: id, choices: [], text: 'yes, after 22:00' });
    expect((await olga.questions()).map((q) => q.id)).not.toContain(id);
  });

  it('passes on the server’s refusal of a bad question, naming the field', async () => {
    const error = await tollgate.ask({ question: 'Which?', choices: ['a'], urgency: 'asap' as 'high' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TollgateRequestError);
    expect(error).toMatchObject({ code: 'question.invalid', details: { field: 'urgency' } });
  });
});

describe('ask() nobody answers', () => {
  let server: TollgateServer;

  beforeAll(async () => {
    server = await startTollgate('defaults: { decision: ALLOW }\nquestions: { timeout: 1s, on_timeout: expire }\n');
  });
  afterAll(() => server?.close());

  it('throws QuestionExpired at the question’s deadline', async () => {
    const tollgate = new Tollgate({ baseUrl: server.url, apiKey: await server.key('deploy-bot') });
    const error = await tollgate.ask({ question: 'Anyone there?', wait: 30 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuestionExpired);
    expect(error).toMatchObject({ code: 'sdk.question_expired', question: { status: 'expired', answer: null } });
  });
});
