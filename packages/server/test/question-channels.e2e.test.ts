// Questions through the notification channels, over real HTTP with local vendor stand-ins: the
// SDK's ask() waits while the question goes to Slack (a button per choice, a modal for words),
// Teams (a link per choice) and e-mail (signed one-click choice links behind a confirmation page);
// a person's answer from any of them is what ask() resolves with, and the Slack message then says it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeQuotedPrintable } from './helpers/smtp-stand-in.js';
import { askedQuestion, startQuestionChannels, type QuestionChannels } from './helpers/question-channels.js';

describe('questions through Slack, Teams and e-mail', () => {
  let channels: QuestionChannels;

  beforeAll(async () => {
    channels = await startQuestionChannels();
  });
  afterAll(() => channels?.close());

  it('answers a waiting ask() from a choice button clicked by the linked, eligible Slack user', async () => {
    const asking = channels.tollgate.ask({
      question: 'Which region should the canary go to?',
      choices: ['eu-west-1', 'us-east-1'],
      context: { service: 'checkout' },
      urgency: 'high',
      wait: 30,
    });
    const id = await askedQuestion(channels, 'Which region should the canary go to?');
    const posted = await channels.posted(id);
    const actions = posted.args.blocks.find((block: { type: string }) => block.type === 'actions');
    expect(actions.elements.map((element: { text: { text: string } }) => element.text.text)).toEqual([
      'eu-west-1',
      'us-east-1',
      'Open in dashboard',
    ]);
    expect(posted.args.blocks[0].text.text).toBe('Urgent question from deploy-bot');

    // Carol is linked but not in `ops`: QuestionService refuses her and she alone is told why.
    const refused = await channels.callback(channels.click(posted, 'tollgate_answer_0', 'U0CAROL'));
    expect(refused.body).toMatchObject({ ok: false, error: { code: 'question.not_eligible' } });
    expect((await channels.server.services.store.questions.get('default', id))!.status).toBe('pending');

    const clicked = await channels.callback(channels.click(posted, 'tollgate_answer_1', 'U0ALICE'));
    expect(clicked).toMatchObject({ status: 200, body: { ok: true, status: 'answered' } });
    await expect(asking).resolves.toMatchObject({
      question_id: id,
      choices: ['us-east-1'],
      text: null,
      answered_by: { id: channels.ids.alice, name: 'alice' },
    });

    // The message is turned into the answer: no buttons left, who answered and what.
    await channels.server.services.notifications.sender.deliverDue();
    const update = channels.slack.calls.find(
      (call) => call.method === 'chat.update' && call.args.channel === 'C0TOLLGATE' && JSON.stringify(call.args.blocks).includes(id),
    );
    expect(update).toBeDefined();
    expect(update!.args.blocks.some((block: { type: string }) => block.type === 'actions')).toBe(false);
    expect(JSON.stringify(update!.args.blocks)).toContain('Answered by alice: us-east-1');
    const again = await channels.callback(channels.click(posted, 'tollgate_answer_0', 'U0ALICE'));
    expect(again.body).toMatchObject({ ok: false, error: { code: 'question.closed' } });
  });

  it('answers in words through the modal a Slack button opens', async () => {
    const asking = channels.tollgate.ask({ question: 'May I rotate the keys tonight?', wait: 30 });
    const id = await askedQuestion(channels, 'May I rotate the keys tonight?');
    const posted = await channels.posted(id);
    const opened = await channels.callback(channels.click(posted, 'tollgate_answer_text', 'U0ALICE'));
    expect(opened.body).toMatchObject({ ok: true, modal: true });
    const modal = channels.slack.calls.filter((call) => call.method === 'views.open').at(-1)!.args.view;
    expect(modal.callback_id).toBe('tollgate_question_answer');
    const submission = (text: string) => ({
      type: 'view_submission',
      user: { id: 'U0ALICE' },
      view: {
        callback_id: modal.callback_id,
        private_metadata: modal.private_metadata,
        state: { values: { text: { text_input: { type: 'plain_text_input', value: text } } } },
      },
    });
    const empty = await channels.callback(submission('  '));
    expect(empty.body).toMatchObject({ response_action: 'errors', errors: { text: expect.stringContaining('required') } });
    const answered = await channels.callback(submission('yes, after 22:00'));
    expect(answered).toEqual({ status: 200, body: undefined });
    await expect(asking).resolves.toMatchObject({ question_id: id, choices: [], text: 'yes, after 22:00', answered_by: { name: 'alice' } });
  });

  it('answers a waiting ask() from a signed, single-use e-mail link, never on a GET', async () => {
    const asking = channels.tollgate.ask({ question: 'Which database for the report?', choices: ['replica', 'primary'], wait: 30 });
    const id = await askedQuestion(channels, 'Which database for the report?');
    await channels.posted(id);
    const mails = channels.smtp.mails.filter((mail) => decodeQuotedPrintable(mail.raw).includes('Which database for the report?'));
    // Only the people who may answer get personal links: alice, not carol.
    expect(mails.map((mail) => mail.to)).toEqual([['alice@example.com']]);
    const text = decodeQuotedPrintable(mails[0]!.raw);
    const replica = channels.local(/^Choice 1 \(replica\): (\S+)$/m.exec(text)![1]!);
    const primary = channels.local(/^Choice 2 \(primary\): (\S+)$/m.exec(text)![1]!);
    expect(text).toMatch(new RegExp(`^Open the question in Tollgate: \\S+/questions/${id}$`, 'm'));

    const page = await fetch(replica);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Answer this question?');
    expect(html).toContain('replica');
    expect((await channels.server.services.store.questions.get('default', id))!.status).toBe('pending');

    const post = (url: string) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    const forged = await post(replica.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')));
    expect(forged.status).toBe(404);
    const first = await post(replica);
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('Your answer is recorded');
    await expect(asking).resolves.toMatchObject({ question_id: id, choices: ['replica'], answered_by: { name: 'alice' } });
    expect((await post(replica)).status).toBe(409); // used already
    const other = await post(primary);
    expect(other.status).toBe(409); // the question is answered
    expect(await other.text()).toContain('answered already');
  });

  it('sends Teams a card with a link per choice and the question page for words', async () => {
    const asking = channels.tollgate.ask({ question: 'Ship on Friday?', choices: ['yes', 'no'], free_text: true, wait: 0 });
    await asking.catch(() => undefined);
    const id = await askedQuestion(channels, 'Ship on Friday?');
    await channels.posted(id);
    const card = channels.teams.received
      .map((entry) => JSON.parse(entry.body).attachments[0].content)
      .find((content) => JSON.stringify(content).includes('Ship on Friday?'));
    expect(card.actions.map((action: { title: string }) => action.title)).toEqual(['yes', 'no', 'Answer in dashboard']);
    expect(card.actions.at(-1).url).toMatch(new RegExp(`/questions/${id}$`));
    expect(card.actions[0].url).toMatch(/\/v1\/integrations\/links\/lnk_/);
  });

  it('turns the Slack message into the expiry when nobody answers before the deadline', async () => {
    await channels.tollgate.ask({ question: 'Anyone awake for the migration?', choices: ['go', 'wait'], wait: 0 }).catch(() => undefined);
    const id = await askedQuestion(channels, 'Anyone awake for the migration?');
    await channels.posted(id);
    channels.clock.advance(2 * 60 * 60 * 1000);
    await channels.server.services.questions.expireDue();
    expect((await channels.server.services.store.questions.get('default', id))!.status).toBe('expired');
    await channels.server.services.notifications.sender.deliverDue();
    const update = channels.slack.calls.find((call) => call.method === 'chat.update' && JSON.stringify(call.args.blocks).includes(id));
    expect(JSON.stringify(update!.args.blocks)).toContain('Expired: nobody answered in time');
    expect(update!.args.blocks.some((block: { type: string }) => block.type === 'actions')).toBe(false);
  });
});
