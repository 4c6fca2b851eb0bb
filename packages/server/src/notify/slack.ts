// Slack through the official Web API client: posts the request with buttons, and later turns
// every message it posted for the request into the outcome (chat.update).

import { LogLevel, WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebClient, type Logger } from '@slack/web-api';
import type { OutboxMessage } from '../stores/notify-store.js';
import { dataOf, DeliveryError, requireSecret, retryableStatus, stringSetting, type Deliver, type DeliveryContext } from './channel.js';
import { asksForDecision } from './message.js';
import { asksForAnswer, isQuestion, type QuestionData } from './question-message.js';
import { questionMessage, questionResult, requestMessage, resultMessage } from './slack-blocks.js';

/** Slack's own answers that mean "later" rather than "never". */
/** A message never unfurls a preview of an address in it: the agent's words may hold one. */
const NO_UNFURL = { unfurl_links: false, unfurl_media: false };

const RETRYABLE_PLATFORM_ERRORS = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

const silent: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

/** A client for the Web API at `apiUrl` (the operator's `channels.slack.base_url`). */
export function slackClient(token: string, apiUrl: string): WebClient {
  // Retries are the outbox's job: it backs off durably, across restarts.
  return new WebClient(token, {
    slackApiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logger: silent,
  });
}

export function asDeliveryError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  if (error instanceof WebAPIPlatformError)
    return new DeliveryError(`slack answered \`${error.data.error}\``, RETRYABLE_PLATFORM_ERRORS.has(error.data.error), { cause: error });
  if (error instanceof WebAPIRateLimitedError) return new DeliveryError(`slack rate limited; retry after ${error.retryAfter} s`, true);
  if (error instanceof WebAPIHTTPError)
    return new DeliveryError(`slack answered HTTP ${error.statusCode}`, retryableStatus(error.statusCode), { cause: error });
  return new DeliveryError(`cannot reach slack: ${(error as Error).message}`, true, { cause: error });
}

export const deliverSlack: Deliver = async (message, settings, context) => {
  const token = requireSecret(settings, 'token_env', context);
  const channel = stringSetting(settings, 'channel');
  if (channel === undefined) throw new DeliveryError('the slack channel has no `channel`', false);
  const client = slackClient(token, context.endpoints.slack.base_url);
  if (isQuestion(message.payload.data)) return deliverQuestion(client, channel, message, message.payload.data, context);
  const data = dataOf(message);
  try {
    if (asksForDecision(data.event)) {
      const posted = await client.chat.postMessage({ channel, ...requestMessage(data), ...NO_UNFURL } as never);
      return { channel: posted.channel ?? channel, ts: posted.ts ?? null };
    }
    const outcome = typeof message.payload.outcome === 'string' ? message.payload.outcome : outcomeText(data.event, data.detail);
    const earlier = (await context.delivered(message)).filter((sent) => typeof sent.result?.ts === 'string');
    if (earlier.length === 0) {
      const posted = await client.chat.postMessage({ channel, ...resultMessage(data, outcome), ...NO_UNFURL } as never);
      return { channel: posted.channel ?? channel, ts: posted.ts ?? null };
    }
    for (const sent of earlier)
      await client.chat.update({
        channel: String(sent.result!.channel),
        ts: String(sent.result!.ts),
        ...resultMessage(data, outcome),
      } as never);
    return { updated: earlier.length };
  } catch (error) {
    throw asDeliveryError(error);
  }
};

/** A question: posted with its buttons when asked or sent on; every message posted for it updated once it is over. */
async function deliverQuestion(
  client: WebClient,
  channel: string,
  message: OutboxMessage,
  data: QuestionData,
  context: DeliveryContext,
): Promise<Record<string, unknown>> {
  try {
    if (asksForAnswer(data.event)) {
      const posted = await client.chat.postMessage({ channel, ...questionMessage(data), ...NO_UNFURL } as never);
      return { channel: posted.channel ?? channel, ts: posted.ts ?? null };
    }
    const earlier = (await context.delivered(message)).filter((sent) => typeof sent.result?.ts === 'string');
    for (const sent of earlier)
      await client.chat.update({ channel: String(sent.result!.channel), ts: String(sent.result!.ts), ...questionResult(data) } as never);
    return { updated: earlier.length };
  } catch (error) {
    throw asDeliveryError(error);
  }
}

function outcomeText(event: string, detail: string): string {
  if (event === 'timed_out') return 'Timed out: nobody decided in time';
  return `Decided: ${detail}`;
}
