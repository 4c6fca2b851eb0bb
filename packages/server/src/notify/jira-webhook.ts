// Jira's webhook (an admin webhook with a secret, Cloud or Data Center): `X-Hub-Signature:
// sha256=<hex HMAC-SHA256 of the raw body>` is checked first, under the secret of the channel the
// address names. Then an issue moved to a channel's vote status (`jira:issue_updated` with a status
// change) or a `/approve` / `/deny` comment (`comment_created`) is that person's vote.

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { JiraSite } from '../config/server-settings.js';
import { TollgateError } from '../errors.js';
import type { Clock } from '../util/clock.js';
import { namesOf } from './channel.js';
import { callbackBody, type TicketDecisions, type TicketReply } from './ticket-decisions.js';

/** Jira retries a failed delivery for a while; an event older than this is a replay. */
export const JIRA_MAX_AGE_MS = 60 * 60_000;

export function jiraSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export function verifyJiraSignature(secret: string, body: string, signature: string | undefined): boolean {
  if (signature === undefined) return false;
  const given = Buffer.from(signature.trim());
  const expected = Buffer.from(jiraSignature(secret, body));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

interface JiraUser {
  accountId?: unknown;
  name?: unknown;
}

interface JiraWebhook {
  timestamp?: unknown;
  webhookEvent?: unknown;
  user?: JiraUser;
  issue?: { id?: unknown };
  changelog?: { items?: { field?: unknown; fieldId?: unknown; toString?: unknown }[] };
  comment?: { body?: unknown; author?: JiraUser };
}

/** A comment's text: a string (Data Center, Cloud webhooks in the v2 shape) or the text nodes of an ADF document. */
export function commentText(body: unknown): string {
  if (typeof body === 'string') return body;
  const parts: string[] = [];
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    const record = node as { type?: unknown; text?: unknown; content?: unknown };
    if (record.type === 'text' && typeof record.text === 'string') parts.push(record.text);
    if (record.type === 'hardBreak') parts.push('\n');
    if (Array.isArray(record.content)) {
      record.content.forEach(walk);
      if (record.type === 'paragraph') parts.push('\n');
    }
  };
  walk(body);
  return parts.join('');
}

/** `/approve [note]` or `/deny <reason>` at the start of a comment. */
export function commentCommand(text: string): { verdict: 'approve' | 'deny'; note: string } | undefined {
  const match = /^\s*\/(approve|deny)(?![\w-])\s*([\s\S]*)$/i.exec(text);
  if (match === null) return undefined;
  return { verdict: match[1]!.toLowerCase() as 'approve' | 'deny', note: match[2]!.trim().slice(0, 4000) };
}

export class JiraWebhooks {
  constructor(private readonly deps: { clock: Clock; decisions: TicketDecisions; site(tenantId: string): JiraSite | undefined }) {}

  async handle(tenantId: string, channelName: string, rawBody: string, signature: string | undefined): Promise<TicketReply> {
    const verifier = this.deps.decisions.verifier(tenantId, channelName, 'jira', 'webhook_secret_env');
    // An unknown tenant or channel, or one without its secret, reads as a bad signature: nothing to probe.
    if (verifier === undefined || !verifyJiraSignature(verifier.secret, rawBody, signature))
      throw new TollgateError('notify.bad_signature', 'the jira webhook signature (`x-hub-signature`) does not verify');
    const event = callbackBody<JiraWebhook>(rawBody, 'jira');
    if (typeof event.timestamp !== 'number')
      throw new TollgateError('notify.bad_payload', 'the jira webhook has no `timestamp`', { field: 'timestamp' });
    if (Math.abs(this.deps.clock.now() - event.timestamp) > JIRA_MAX_AGE_MS)
      throw new TollgateError('notify.stale_request', 'the jira event is more than an hour old; replays are refused');
    const issueId = event.issue?.id;
    if (typeof issueId !== 'string' && typeof issueId !== 'number') return ignored('the event names no issue');
    const cloud = (this.deps.site(tenantId)?.api ?? 'cloud') === 'cloud';
    // Cloud names people by account id, Data Center by user name.
    const who = (user: JiraUser | undefined) => {
      const value = cloud ? user?.accountId : user?.name;
      return typeof value === 'string' && value !== '' ? value : undefined;
    };
    const base = { tenantId, channel: verifier.channel, vendorId: String(issueId) };

    if (event.webhookEvent === 'jira:issue_updated') {
      // A comment also arrives as `comment_created`, which is where commands are read: once.
      const change = event.changelog?.items?.find((item) => item.field === 'status' || item.fieldId === 'status');
      if (change === undefined || typeof change.toString !== 'string') return ignored('no status change');
      const statuses = namesOf(verifier.channel.settings, 'vote_statuses');
      const to = change.toString.toLowerCase();
      const verdict = statuses.approve?.toLowerCase() === to ? 'approve' : statuses.deny?.toLowerCase() === to ? 'deny' : undefined;
      if (verdict === undefined) return ignored(`status \`${change.toString}\` is not a vote status`);
      const note = event.comment === undefined ? '' : commentText(event.comment.body).trim().slice(0, 4000);
      return this.deps.decisions.decide({ ...base, vendorUser: who(event.user), verdict, note, by: 'status' });
    }
    if (event.webhookEvent === 'comment_created') {
      const command = commentCommand(commentText(event.comment?.body));
      if (command === undefined) return ignored('not a /approve or /deny comment');
      return this.deps.decisions.decide({
        ...base,
        vendorUser: who(event.comment?.author) ?? who(event.user),
        verdict: command.verdict,
        note: command.note,
        by: 'command',
      });
    }
    return ignored(`event \`${String(event.webhookEvent)}\` does not decide`);
  }
}

function ignored(reason: string): TicketReply {
  return { status: 200, body: { ok: true, ignored: reason } };
}
