// What a channel implementation is: a function that delivers one outbox message or throws a
// DeliveryError saying whether trying again could help.

import type { SecretLookup } from '../config/secrets.js';
import type { ChannelEndpoints } from '../config/server-settings.js';
import { OutboundError, type OutboundRequest, type OutboundResponse } from '../net/outbound.js';
import type { OutboxMessage } from '../stores/notify-store.js';
import { completeData, type NotificationData, type NotificationLinks } from './message.js';

export class DeliveryError extends Error {
  constructor(
    message: string,
    /** False for failures a retry cannot fix (a missing secret, a request the vendor rejects as malformed). */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DeliveryError';
  }
}

export interface DeliveryContext {
  /** The message's tenant's secrets: only the variables the operator granted to it. */
  secrets: SecretLookup;
  /** The vendors' endpoints, from the operator's settings. */
  endpoints: ChannelEndpoints;
  /** The database-kept Standard Webhooks secret, for webhooks that name none of their own. */
  webhookSecret(): Promise<string>;
  /** Messages of the same channel and request delivered before this one (oldest first). */
  delivered(message: OutboxMessage): Promise<OutboxMessage[]>;
  /**
   * A call through the outbound client under the message's tenant's rules, or the operator's when
   * the operator chose the destination (a vendor endpoint in the settings file).
   */
  request(url: string, request: OutboundRequest, options?: { operatorChosen?: boolean }): Promise<OutboundResponse>;
}

/** Delivers the message; returns what to remember of the vendor's answer (or null). */
export type Deliver = (
  message: OutboxMessage,
  settings: Record<string, unknown>,
  context: DeliveryContext,
) => Promise<Record<string, unknown> | null>;

/** The message's data; one queued before messages carried facts is completed (see completeData). */
export function dataOf(message: OutboxMessage): NotificationData {
  return completeData(message.payload.data as NotificationData);
}

export function linksOf(message: OutboxMessage): NotificationLinks | undefined {
  return message.payload.links as NotificationLinks | undefined;
}

export function stringSetting(settings: Record<string, unknown>, key: string): string | undefined {
  const value = settings[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The secret a setting names (`token_env: SLACK_BOT_TOKEN`), or a DeliveryError naming what is missing. */
export function requireSecret(settings: Record<string, unknown>, key: string, context: DeliveryContext): string {
  const name = stringSetting(settings, key);
  if (name === undefined) throw new DeliveryError(`the channel has no \`${key}\``, false);
  const value = context.secrets(name);
  if (value === undefined)
    throw new DeliveryError(`environment variable \`${name}\` (${key}) is not set or not granted to this tenant`, false);
  return value;
}

/** HTTP statuses worth another try: throttling and the server's own trouble. */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * POSTs JSON through the outbound client. A refused destination is not retried (the allow-list
 * must change first); a failed call and a retryable status are. The error says what the caller
 * may know; the reason of a refusal or failure is in the server's log.
 */
export async function postJson(
  context: DeliveryContext,
  url: string,
  body: string,
  headers: Record<string, string>,
  options: { operatorChosen?: boolean } = {},
): Promise<OutboundResponse> {
  let response: OutboundResponse;
  try {
    response = await context.request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }, options);
  } catch (error) {
    if (error instanceof OutboundError)
      throw new DeliveryError(`${error.message} (\`${error.host}\`)`, error.code === 'outbound.failed', { cause: error });
    throw error;
  }
  if (response.status < 200 || response.status >= 300) {
    const text = response.body.toString('utf8').slice(0, 300);
    const host = new URL(url).host;
    throw new DeliveryError(`${host} answered ${response.status}${text === '' ? '' : `: ${text}`}`, retryableStatus(response.status));
  }
  return response;
}
