// Slack's request signing: `x-slack-signature: v0=<hex HMAC-SHA256 of "v0:<timestamp>:<raw body>">`
// keyed with the app's signing secret, and `x-slack-request-timestamp` within five minutes.

import { createHmac, timingSafeEqual } from 'node:crypto';

export const SLACK_MAX_AGE_SECONDS = 5 * 60;

export function slackSignature(secret: string, timestamp: string, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/**
 * Which of the secrets signed the request: its index, 'stale' when the timestamp is outside the
 * window (a replay), or 'bad'. The timestamp is checked first, as it is signed too.
 */
export function verifySlackRequest(
  secrets: string[],
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  nowMs: number,
): number | 'stale' | 'bad' {
  const { timestamp, signature } = headers;
  if (timestamp === undefined || signature === undefined || !/^\d{1,12}$/.test(timestamp)) return 'bad';
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > SLACK_MAX_AGE_SECONDS) return 'stale';
  const given = Buffer.from(signature);
  for (const [index, secret] of secrets.entries()) {
    const expected = Buffer.from(slackSignature(secret, timestamp, body));
    if (given.length === expected.length && timingSafeEqual(given, expected)) return index;
  }
  return 'bad';
}
