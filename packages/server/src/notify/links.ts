// Signed one-click links for e-mail and Teams: `/v1/integrations/links/<id>.<signature>`. The
// HMAC proves the server made the link; the stored row makes it single use and expiring.

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NotificationLink } from '../stores/notify-store.js';
import { newId } from '../util/ids.js';
import type { NotificationLinks } from './message.js';

/** How long a link stays usable; the request's own deadline usually ends it sooner. */
export const LINK_TTL_MS = 24 * 60 * 60 * 1000;

function signature(
  secret: string,
  link: Pick<NotificationLink, 'id' | 'approval_id' | 'verdict' | 'expires_at'> & { user_id: string | null },
): string {
  return createHmac('sha256', secret)
    .update(`tollgate-link:${link.id}:${link.approval_id}:${link.user_id ?? ''}:${link.verdict}:${link.expires_at}`)
    .digest('base64url');
}

export function linkToken(secret: string, link: NotificationLink): string {
  return `${link.id}.${signature(secret, link)}`;
}

/** The link id of a token, when its shape is right; the signature is checked against the row later. */
export function linkIdOf(token: string): string | undefined {
  const match = /^(lnk_[0-9a-z]{26})\.([A-Za-z0-9_-]{43})$/.exec(token);
  return match?.[1];
}

export function signatureMatches(secret: string, token: string, link: NotificationLink): boolean {
  const given = Buffer.from(token.slice(token.indexOf('.') + 1));
  const expected = Buffer.from(signature(secret, link));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A pair of approve and deny links for one person (or, with no person, for whoever signs in). */
export function newLinkPair(
  secret: string,
  baseUrl: string,
  request: { tenant_id: string; approval_id: string; digest: string },
  userId: string | null,
  now: number,
): { rows: NotificationLink[]; urls: NotificationLinks } {
  const make = (verdict: 'approve' | 'deny'): NotificationLink => ({
    id: newId('lnk', now),
    tenant_id: request.tenant_id,
    approval_id: request.approval_id,
    user_id: userId,
    verdict,
    digest: request.digest,
    expires_at: now + LINK_TTL_MS,
    used_at: null,
    created_at: now,
  });
  const approve = make('approve');
  const deny = make('deny');
  const url = (link: NotificationLink): string => `${baseUrl}/v1/integrations/links/${linkToken(secret, link)}`;
  return { rows: [approve, deny], urls: { approve: url(approve), deny: url(deny) } };
}

/** One link per choice of a question for one person (or, with no person, for whoever signs in). */
export function newAnswerLinks(
  secret: string,
  baseUrl: string,
  question: { tenant_id: string; id: string; choices: string[] },
  userId: string | null,
  now: number,
): { rows: NotificationLink[]; urls: { choice: string; url: string }[] } {
  const rows = question.choices.map((choice): NotificationLink => ({
    id: newId('lnk', now),
    tenant_id: question.tenant_id,
    approval_id: question.id,
    user_id: userId,
    verdict: 'answer',
    digest: choice,
    expires_at: now + LINK_TTL_MS,
    used_at: null,
    created_at: now,
  }));
  return {
    rows,
    urls: rows.map((link) => ({ choice: link.digest, url: `${baseUrl}/v1/integrations/links/${linkToken(secret, link)}` })),
  };
}
