// Outbound webhooks signed per the Standard Webhooks spec: `webhook-id`, `webhook-timestamp`
// (seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 over "id.timestamp.body">`, keyed
// with the bytes of a `whsec_…` secret.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';

export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(24).toString('base64')}`;
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

export function sign(secret: string, id: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', keyOf(secret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

export function signedHeaders(secret: string, id: string, timestampSeconds: number, body: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': sign(secret, id, timestampSeconds, body),
  };
}

/** How far a signed timestamp may be from the server's clock, as the spec suggests: a replay is older. */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

/**
 * Checks a request signed per the spec (a ticketing system calling back): 'ok', 'stale' when the
 * timestamp is outside the tolerance, else 'bad'. The header may list several signatures.
 */
export function verifySigned(
  secret: string,
  headers: { id: string | undefined; timestamp: string | undefined; signature: string | undefined },
  body: string,
  nowMs: number,
): 'ok' | 'stale' | 'bad' {
  const { id, timestamp, signature } = headers;
  if (id === undefined || timestamp === undefined || signature === undefined || !/^\d{1,12}$/.test(timestamp)) return 'bad';
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > WEBHOOK_TOLERANCE_SECONDS) return 'stale';
  const expected = Buffer.from(sign(secret, id, Number(timestamp), body));
  for (const given of signature.split(' ')) {
    const candidate = Buffer.from(given);
    if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) return 'ok';
  }
  return 'bad';
}
