// Generic webhooks, signed per the Standard Webhooks spec: the message id is the `webhook-id`,
// so a receiver that saw it already can drop a redelivery.

import { signedHeaders } from '../services/webhook-signing.js';
import { dataOf, DeliveryError, postJson, stringSetting, type Deliver } from './channel.js';
import { isQuestion } from './question-message.js';

export const deliverWebhook: Deliver = async (message, settings, context) => {
  const url = stringSetting(settings, 'url');
  if (url === undefined) throw new DeliveryError('the webhook channel has no `url`', false);
  const secretName = stringSetting(settings, 'secret_env');
  let secret: string;
  if (secretName === undefined) secret = await context.webhookSecret();
  else {
    const value = context.secrets(secretName);
    if (value === undefined) throw new DeliveryError(`environment variable \`${secretName}\` (secret_env) is not set`, false);
    secret = value;
  }
  // A question's events are named `question.*` already; the data is the question's (QuestionData).
  const data = isQuestion(message.payload.data) ? message.payload.data : dataOf(message);
  const type = isQuestion(data) ? message.event : `approval.${message.event}`;
  const body = JSON.stringify({ type, timestamp: new Date(data.at).toISOString(), data });
  const extra = typeof settings.headers === 'object' && settings.headers !== null ? (settings.headers as Record<string, unknown>) : {};
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(extra)) if (typeof value === 'string') headers[name.toLowerCase()] = value;
  // Signed at send time: receivers refuse timestamps far from their clock, and a retry may be hours later.
  await postJson(context, url, body, { ...headers, ...signedHeaders(secret, message.id, Math.floor(Date.now() / 1000), body) });
  return null;
};
