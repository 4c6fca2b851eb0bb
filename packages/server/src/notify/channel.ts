// What a channel implementation is: a function that delivers one outbox message or throws a
// DeliveryError saying whether trying again could help.

import type { SecretLookup } from '../config/secrets.js';
import type { ChannelEndpoints } from '../config/server-settings.js';
import { OutboundError, type OutboundRequest, type OutboundResponse } from '../net/outbound.js';
import type { NotificationTicket, OutboxMessage } from '../stores/notify-store.js';
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
  /** An earlier message of the same channel and request still to be sent: a ticket's messages go in order. */
  waitingBefore(message: OutboxMessage): Promise<OutboxMessage | undefined>;
  /** The ticket the message's request has on its channel (Jira, ServiceNow). */
  ticket: TicketAccess;
  /**
   * A call through the outbound client under the message's tenant's rules, or the operator's when
   * the operator chose the destination (a vendor endpoint in the settings file).
   */
  request(url: string, request: OutboundRequest, options?: { operatorChosen?: boolean }): Promise<OutboundResponse>;
}

export interface TicketAccess {
  get(): Promise<NotificationTicket | undefined>;
  /** Records the ticket made or found for the request; the one recorded first is kept and returned. */
  record(ticket: Pick<NotificationTicket, 'key' | 'vendor_id' | 'url' | 'digest'>): Promise<NotificationTicket>;
  /** The ticket now shows the action with this digest. */
  setDigest(digest: string): Promise<void>;
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

/** A ticket's message, once every earlier message of the same ticket has been sent: they go in order. */
export async function inTurn(message: OutboxMessage, context: DeliveryContext): Promise<NotificationData> {
  const waiting = await context.waitingBefore(message);
  if (waiting !== undefined) throw new DeliveryError(`waiting for message \`${waiting.id}\` of this request to be sent first`, true);
  return dataOf(message);
}

export function linksOf(message: OutboxMessage): NotificationLinks | undefined {
  return message.payload.links as NotificationLinks | undefined;
}

export function stringSetting(settings: Record<string, unknown>, key: string): string | undefined {
  const value = settings[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A setting that maps names to names (`transitions`, `close_codes`), its string entries only. */
export function namesOf(settings: Record<string, unknown>, key: string): Record<string, string> {
  const value = settings[key];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  // YAML reads `denied: 4` as a number; the vendor wants the text.
  return Object.fromEntries(
    Object.entries(value).flatMap(([name, entry]) =>
      typeof entry === 'string' ? [[name, entry]] : typeof entry === 'number' ? [[name, String(entry)]] : [],
    ),
  );
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
 * Calls a vendor's JSON API through the outbound client. A refused destination is not retried (the
 * allow-list must change first); a failed call and a retryable status are. The error says what the
 * caller may know; the reason of a refusal or failure is in the server's log.
 */
export async function requestJson(
  context: DeliveryContext,
  method: string,
  url: string,
  body: string | undefined,
  headers: Record<string, string>,
  options: { operatorChosen?: boolean } = {},
): Promise<OutboundResponse> {
  let response: OutboundResponse;
  try {
    response = await context.request(
      url,
      {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        ...(body === undefined ? {} : { body }),
      },
      options,
    );
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

/** POSTs JSON (see requestJson). */
export function postJson(
  context: DeliveryContext,
  url: string,
  body: string,
  headers: Record<string, string>,
  options: { operatorChosen?: boolean } = {},
): Promise<OutboundResponse> {
  return requestJson(context, 'POST', url, body, headers, options);
}

/** A vendor's JSON answer; a body that is not JSON is a malformed answer, worth another try. */
export function jsonOf<T>(response: OutboundResponse, vendor: string): T {
  try {
    return JSON.parse(response.body.toString('utf8')) as T;
  } catch {
    throw new DeliveryError(`${vendor} answered ${response.status} with a body that is not JSON`, true);
  }
}
