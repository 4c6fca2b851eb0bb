// Microsoft Teams: an Adaptive Card posted to a channel's incoming workflow webhook ("When a
// Teams webhook request is received"). Its approve and deny links open Tollgate's signed,
// single-use confirmation pages, where the person signs in: a channel card is not personal. A
// question's card links each of its choices the same way, and its page for a written answer.
// TextBlock and FactSet render Markdown, with escapes that differ between Teams clients, so every
// text here is a TextRun in a RichTextBlock, which shows its text as written: `[Approve](url)`
// from an agent stays those characters.

import { dataOf, linksOf, postJson, requireSecret, type Deliver } from './channel.js';
import { headline, type NotificationData, type NotificationLinks } from './message.js';
import { isQuestion, questionHeadline, type QuestionData } from './question-message.js';
import { SHOWN, shown } from './shown-text.js';

/** Teams refuses cards over about 28 KB; a card is kept well under. */
export const TEAMS_CARD_BUDGET = 24_000;

type Element = Record<string, unknown>;

const run = (text: string, style: Element = {}): Element => ({ type: 'TextRun', text, ...style });
const rich = (inlines: Element[], extra: Element = {}): Element => ({ type: 'RichTextBlock', inlines, ...extra });

/** At `scale` 1 each text is cut at SHOWN's length; a card over budget is built again with each halved. */
function body(data: NotificationData, scale: number): Element[] {
  const max = (limit: number) => Math.max(60, Math.floor(limit * scale));
  const elements: Element[] = [
    rich([run(shown(headline(data), 300), { size: 'Medium', weight: 'Bolder' })]),
    rich([run(shown(data.title, SHOWN.title), { weight: 'Bolder' })]),
    ...data.facts.map(({ label, value }, index) =>
      rich([run(`${shown(label, max(SHOWN.label))}: `, { weight: 'Bolder' }), run(shown(value, max(SHOWN.value)))], {
        spacing: index === 0 ? 'Small' : 'None',
      }),
    ),
    ...data.warnings
      .slice(0, SHOWN.warnings)
      .map((warning) =>
        rich([run('⚠ Check: ', { weight: 'Bolder', color: 'Attention' }), run(shown(warning, max(SHOWN.warning)), { color: 'Attention' })]),
      ),
  ];
  if (data.warnings.length > SHOWN.warnings)
    elements.push(
      rich([run(`⚠ ${data.warnings.length - SHOWN.warnings} more warnings; open the request to see them`, { color: 'Attention' })]),
    );
  // The agent's words in their own shaded box, each under a label saying whose they are.
  const words: Element[] = [];
  const said = (label: string, text: string) =>
    words.push(rich([run(label, { weight: 'Bolder' })]), rich([run(text, { italic: true })], { spacing: 'None' }));
  if (data.agent_summary !== null) said('The agent says:', shown(data.agent_summary, max(SHOWN.summary)));
  if (data.agent_reasoning !== null) said("The agent's reasoning:", shown(data.agent_reasoning, max(SHOWN.reasoning)));
  if (data.key_context.length > 0) {
    words.push(rich([run("The agent's context:", { weight: 'Bolder' })]));
    for (const { key, value } of data.key_context)
      words.push(rich([run(`${shown(key, max(SHOWN.label))}: ${shown(value, max(SHOWN.value))}`, { italic: true })], { spacing: 'None' }));
  }
  if (words.length > 0) elements.push({ type: 'Container', style: 'emphasis', items: words });
  if (data.criteria.length > 0)
    elements.push(rich([run(`Criteria: ${shown(data.criteria.join('; '), max(SHOWN.criteria))}`, { isSubtle: true })]));
  return elements;
}

function card(data: NotificationData, links: NotificationLinks | undefined, scale: number): Record<string, unknown> {
  const actions: Element[] = [];
  if (links !== undefined)
    actions.push(
      { type: 'Action.OpenUrl', title: 'Approve', url: links.approve, style: 'positive' },
      { type: 'Action.OpenUrl', title: 'Deny', url: links.deny, style: 'destructive' },
    );
  actions.push({ type: 'Action.OpenUrl', title: 'Open in dashboard', url: data.url });
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body: body(data, scale),
    actions,
  };
}

/** A question's card: who asks, the question and its context as the agent's words, a link per choice and one to the question's page. */
function questionCard(data: QuestionData, links: { choice: string; url: string }[] | undefined): Record<string, unknown> {
  const words: Element[] = [
    rich([run('The agent asks:', { weight: 'Bolder' })]),
    rich([run(shown(data.question, SHOWN.summary), { italic: true })], { spacing: 'None' }),
  ];
  if (data.key_context.length > 0) {
    words.push(rich([run("The agent's context:", { weight: 'Bolder' })]));
    for (const { key, value } of data.key_context)
      words.push(rich([run(`${shown(key, SHOWN.label)}: ${shown(value, SHOWN.value)}`, { italic: true })], { spacing: 'None' }));
  }
  const actions: Element[] = (links ?? []).map(({ choice, url }) => ({ type: 'Action.OpenUrl', title: shown(choice, 75), url }));
  actions.push({
    type: 'Action.OpenUrl',
    title: data.takes_text || data.multiple ? 'Answer in dashboard' : 'Open in dashboard',
    url: data.url,
  });
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body: [
      rich([run(shown(questionHeadline(data), 300), { size: 'Medium', weight: 'Bolder' })]),
      rich([run('Agent: ', { weight: 'Bolder' }), run(shown(data.agent, SHOWN.value))]),
      rich([run('Urgency: ', { weight: 'Bolder' }), run(data.urgency)], { spacing: 'None' }),
      { type: 'Container', style: 'emphasis', items: words },
    ],
    actions,
  };
}

export function adaptiveCard(message: Parameters<Deliver>[0]): Record<string, unknown> {
  if (isQuestion(message.payload.data))
    return questionCard(message.payload.data, message.payload.answer_links as { choice: string; url: string }[] | undefined);
  const data = dataOf(message);
  const links = linksOf(message);
  let built = card(data, links, 1);
  for (let scale = 0.5; Buffer.byteLength(JSON.stringify(built)) > TEAMS_CARD_BUDGET && scale >= 0.125; scale /= 2)
    built = card(data, links, scale);
  return built;
}

export const deliverTeams: Deliver = async (message, settings, context) => {
  const url = requireSecret(settings, 'webhook_url_env', context);
  const body = JSON.stringify({
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: adaptiveCard(message) }],
  });
  await postJson(context, url, body, {});
  return null;
};
