// Trust line: a Slack callback answers a question only when Slack signed it, recently, for the
// tenant whose secret verified it, as a linked person QuestionService lets answer, with a choice
// the question offers. A forged, replayed, re-addressed or tampered callback changes nothing. And
// the agent's question cannot forge what Slack shows: mentions, links and formatting stay inert.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askedQuestion, startQuestionChannels, type QuestionChannels } from '../helpers/question-channels.js';

describe('forged Slack answers to questions', () => {
  let channels: QuestionChannels;

  beforeAll(async () => {
    channels = await startQuestionChannels();
  });
  afterAll(() => channels?.close());

  const ask = async (question: string, choices?: string[]) => {
    await channels.tollgate.ask({ question, ...(choices === undefined ? {} : { choices }), wait: 0 }).catch(() => undefined);
    const id = await askedQuestion(channels, question);
    return { id, posted: await channels.posted(id) };
  };
  const stored = (id: string) => channels.server.services.store.questions.get('default', id);

  it('refuses a bad signature, a replayed timestamp, another tenant, an unlinked user and a choice not offered', async () => {
    const { id, posted } = await ask('Roll back the release?', ['yes', 'no']);
    const click = channels.click(posted, 'tollgate_answer_0', 'U0ALICE') as { actions: { value: string }[] };

    const forged = await channels.callback(click, { secret: 'not-the-signing-secret' });
    expect(forged).toMatchObject({ status: 401, body: { error: { code: 'notify.bad_signature' } } });
    const replayed = await channels.callback(click, { timestamp: Math.floor(channels.clock.now() / 1000) - 600 });
    expect(replayed).toMatchObject({ status: 401, body: { error: { code: 'notify.stale_request' } } });

    const retarget = (change: Record<string, unknown>) => ({
      ...click,
      actions: [{ ...click.actions[0]!, value: JSON.stringify({ ...JSON.parse(click.actions[0]!.value), ...change }) }],
    });
    const otherTenant = await channels.callback(retarget({ t: 'acme' }));
    expect(otherTenant.body).toMatchObject({ ok: false, error: { code: 'notify.wrong_tenant' } });
    const notOffered = await channels.callback(retarget({ c: 7 }));
    expect(notOffered.body).toMatchObject({ ok: false, error: { code: 'question.invalid_answer' } });
    const unlinked = await channels.callback(channels.click(posted, 'tollgate_answer_0', 'U0NOBODY'));
    expect(unlinked.body).toMatchObject({ ok: false, error: { code: 'notify.unknown_slack_user' } });

    const modal = await channels.callback({
      type: 'view_submission',
      user: { id: 'U0CAROL' },
      view: {
        callback_id: 'tollgate_question_answer',
        private_metadata: JSON.stringify({ t: 'default', q: id }),
        state: { values: { choices: { choices_input: { selected_option: { value: '1' } } } } },
      },
    });
    expect(modal.body).toMatchObject({ response_action: 'errors', errors: { choices: expect.stringContaining('may answer') } });

    expect(await stored(id)).toMatchObject({ status: 'pending', answer: null, answered_by: null });
    const audit = await channels.server.services.store.audit.list('default', { subject: id, limit: 10 });
    expect(audit.map((entry) => entry.type)).toEqual(['question.asked']);
  });

  it("shows the agent's question to Slack as inert text within Slack's limits", async () => {
    const question = `<!channel> <http://evil.example/login|Open in dashboard> *urgent* @here ${'x'.repeat(3900)}`;
    const { posted } = await ask(question, ['<!here> yes', `${'y'.repeat(190)}`]);
    expect(posted.args.text).not.toMatch(/<!|<http/);
    expect(posted.args.text).toContain('&lt;!channel&gt;');
    expect(posted.args.text.length).toBeLessThanOrEqual(1000);
    const json = JSON.stringify(posted.args.blocks);
    expect(json).not.toContain('"type":"mrkdwn"');
    const asked = posted.args.blocks.find((block: { type: string; elements?: { type: string }[] }) =>
      block.elements?.some((element) => element.type === 'rich_text_quote'),
    );
    const quoted = asked.elements.find((element: { type: string }) => element.type === 'rich_text_quote').elements[0].text as string;
    expect(quoted.startsWith('<!channel>')).toBe(true); // a rich_text run: shown as written, never a mention
    expect(quoted).toContain('(truncated,');
    const buttons = posted.args.blocks.find((block: { type: string }) => block.type === 'actions').elements;
    for (const button of buttons) expect(button.text.text.length).toBeLessThanOrEqual(75);
    expect(buttons.at(-1).url).toMatch(/^http:\/\/127\.0\.0\.1:0\/questions\/qst_/);
  });
});
