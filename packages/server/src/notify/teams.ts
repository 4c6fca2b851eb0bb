// Microsoft Teams: an Adaptive Card posted to a channel's incoming workflow webhook ("When a
// Teams webhook request is received"). Its approve and deny links open Tollgate's signed,
// single-use confirmation pages, where the person signs in: a channel card is not personal.

import { dataOf, linksOf, postJson, requireSecret, type Deliver } from './channel.js';
import { headline } from './message.js';

export function adaptiveCard(message: Parameters<Deliver>[0]): Record<string, unknown> {
  const data = dataOf(message);
  const links = linksOf(message);
  const facts = [
    { title: 'Risk', value: data.risk ?? 'unrated' },
    { title: 'Agent', value: data.agent },
    ...data.key_context.map(({ key, value }) => ({ title: key, value })),
  ];
  const body: Record<string, unknown>[] = [
    { type: 'TextBlock', size: 'Medium', weight: 'Bolder', text: headline(data), wrap: true },
    { type: 'TextBlock', text: data.summary, wrap: true },
    { type: 'FactSet', facts },
  ];
  if (data.criteria.length > 0) body.push({ type: 'TextBlock', text: `Check: ${data.criteria.join('; ')}`, wrap: true, isSubtle: true });
  const actions: Record<string, unknown>[] = [];
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
    body,
    actions,
  };
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
