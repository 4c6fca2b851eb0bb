// What a channel implementation is: a function that delivers one outbox message or throws a
// DeliveryError saying whether trying again could help.

import type { SecretLookup } from '../config/secrets.js';
import type { ChannelEndpoints } from '../config/server-settings.js';
import type { OutboxMessage } from '../stores/notify-store.js';
import type { NotificationData, NotificationLinks } from './message.js';

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
}

/** Delivers the message; returns what to remember of the vendor's answer (or null). */
export type Deliver = (
  message: OutboxMessage,
  settings: Record<string, unknown>,
  context: DeliveryContext,
) => Promise<Record<string, unknown> | null>;

export function dataOf(message: OutboxMessage): NotificationData {
  return message.payload.data as NotificationData;
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

/** POSTs JSON; network failures and retryable statuses throw retryable DeliveryErrors. */
export async function postJson(url: string, body: string, headers: Record<string, string>): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new DeliveryError(`cannot reach ${new URL(url).host}: ${(error as Error).message}`, true, { cause: error });
  }
  if (!response.ok) {
    const text = (await response.text().catch(() => '')).slice(0, 300);
    throw new DeliveryError(
      `${new URL(url).host} answered ${response.status}${text === '' ? '' : `: ${text}`}`,
      retryableStatus(response.status),
    );
  }
  return response;
}
