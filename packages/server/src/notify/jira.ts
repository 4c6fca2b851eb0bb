// Jira (Cloud REST API v3, Data Center REST API v2): a request becomes an issue in the channel's
// project, led by what Tollgate knows; later events become comments, and the outcome moves the
// issue through the transition named for it. One issue per request: the issue carries the label
// `tollgate-<request id>`, looked for before an issue is created, and its key is kept with the request.

import type { JiraSite } from '../config/server-settings.js';
import type { NotificationTicket, OutboxMessage } from '../stores/notify-store.js';
import {
  inTurn,
  DeliveryError,
  jsonOf,
  namesOf,
  requestJson,
  requireSecret,
  stringSetting,
  type Deliver,
  type DeliveryContext,
} from './channel.js';
import { adfDocument } from './jira-adf.js';
import { wikiText } from './jira-wiki.js';
import { asksForDecision, factLine, headline, type NotificationData } from './message.js';
import { shown } from './shown-text.js';
import { commentBlocks, requestBlocks, type TicketBlock } from './ticket-blocks.js';

/** Jira's limits: a summary of 255 characters; descriptions and comments of 32,767 (the default text field limit). */
export const JIRA_SUMMARY = 255;
export const JIRA_TEXT_BUDGET = 32_000;

export function jiraLabel(approvalId: string): string {
  return `tollgate-${approvalId}`;
}

/** What a person in Jira can do, as the ticket tells them: nothing there without the webhook's secret. */
export function jiraHowToDecide(settings: Record<string, unknown>): string[] {
  if (stringSetting(settings, 'webhook_secret_env') === undefined)
    return ['Decide in Tollgate: decisions made in Jira are not counted for this channel.'];
  const statuses = namesOf(settings, 'vote_statuses');
  const moves = [
    statuses.approve === undefined ? undefined : `move this issue to “${statuses.approve}” to approve`,
    statuses.deny === undefined ? undefined : `to “${statuses.deny}” to deny (with a comment giving the reason)`,
  ].filter((part) => part !== undefined);
  return [
    `To decide here: ${moves.length > 0 ? `${moves.join(', ')}, or ` : ''}comment /approve (a note may follow) or /deny followed by the reason. Only people linked to their Tollgate user who may decide this request are counted.`,
  ];
}

interface JiraApi {
  site: JiraSite;
  call<T>(method: string, path: string, body?: unknown): Promise<T>;
  /** A description or comment body in the site's format. */
  body(blocks: TicketBlock[]): unknown;
}

function jiraApi(site: JiraSite, settings: Record<string, unknown>, context: DeliveryContext): JiraApi {
  const token = requireSecret(settings, 'token_env', context);
  const user = stringSetting(settings, 'user_env') === undefined ? undefined : requireSecret(settings, 'user_env', context);
  // Cloud: the account's e-mail and an API token; Data Center: a personal access token (or a user name and password).
  const authorization = user === undefined ? `Bearer ${token}` : `Basic ${Buffer.from(`${user}:${token}`, 'utf8').toString('base64')}`;
  const prefix = `${site.base_url}/rest/api/${site.api === 'cloud' ? '3' : '2'}`;
  return {
    site,
    async call<T>(method: string, path: string, body?: unknown): Promise<T> {
      const response = await requestJson(
        context,
        method,
        `${prefix}${path}`,
        body === undefined ? undefined : JSON.stringify(body),
        { accept: 'application/json', authorization },
        // The site is the operator's (server settings), never a policy's.
        { operatorChosen: true },
      );
      return (response.status === 204 || response.body.length === 0 ? undefined : jsonOf<T>(response, 'jira')) as T;
    },
    body(blocks) {
      return site.api === 'cloud' ? adfDocument(blocks) : wikiText(blocks);
    },
  };
}

/** The body within Jira's limit: built again with every text cut shorter while it is over. */
function fitted(api: JiraApi, build: (scale: number) => TicketBlock[]): unknown {
  let body = api.body(build(1));
  for (let scale = 0.5; JSON.stringify(body).length > JIRA_TEXT_BUDGET && scale >= 0.0625; scale /= 2) body = api.body(build(scale));
  return body;
}

export function jiraSummary(data: NotificationData): string {
  return shown(`[Tollgate] ${headline(data)}: ${factLine(data)}`, JIRA_SUMMARY);
}

/** The request's issue: found by its label (an earlier try made it and the answer was lost), else created. */
async function openIssue(
  api: JiraApi,
  settings: Record<string, unknown>,
  context: DeliveryContext,
  data: NotificationData,
): Promise<NotificationTicket> {
  const project = stringSetting(settings, 'project');
  if (project === undefined) throw new DeliveryError('the jira channel has no `project`', false);
  const label = jiraLabel(data.approval_id);
  const jql = `project = "${project}" AND labels = "${label}" ORDER BY created ASC`;
  const search = { jql, fields: ['key'], maxResults: 1 };
  const found =
    api.site.api === 'cloud'
      ? await api.call<{ issues?: { id: string; key: string }[] }>('POST', '/search/jql', search)
      : await api.call<{ issues?: { id: string; key: string }[] }>('POST', '/search', search);
  let issue = found?.issues?.[0];
  if (issue === undefined) {
    const extra = settings.labels;
    const labels = [label, ...(Array.isArray(extra) ? extra : typeof extra === 'string' ? [extra] : [])];
    const created = await api.call<{ id?: string; key?: string }>('POST', '/issue', {
      fields: {
        project: { key: project },
        issuetype: { name: stringSetting(settings, 'issue_type') ?? 'Task' },
        summary: jiraSummary(data),
        description: fitted(api, (scale) => requestBlocks(data, { scale, howToDecide: jiraHowToDecide(settings) })),
        labels,
      },
    });
    if (typeof created?.id !== 'string' || typeof created.key !== 'string')
      throw new DeliveryError('jira answered the issue creation without the issue’s id and key', true);
    issue = { id: created.id, key: created.key };
  }
  return context.ticket.record({
    key: issue.key,
    vendor_id: issue.id,
    url: `${api.site.base_url}/browse/${issue.key}`,
    digest: data.digest,
  });
}

/** Moves the issue through the transition called `name` (or one leading to a status of that name). */
async function transition(
  api: JiraApi,
  issue: NotificationTicket,
  name: string,
  /** Statuses that already say it (the vote status a person moved the issue to). */
  already: string[],
): Promise<string | undefined> {
  const offered = await api.call<{ transitions?: { id: string; name: string; to?: { name?: string } }[] }>(
    'GET',
    `/issue/${encodeURIComponent(issue.vendor_id)}/transitions`,
  );
  const wanted = name.toLowerCase();
  const match = offered?.transitions?.find((t) => t.name.toLowerCase() === wanted || t.to?.name?.toLowerCase() === wanted);
  if (match !== undefined) {
    await api.call('POST', `/issue/${encodeURIComponent(issue.vendor_id)}/transitions`, { transition: { id: match.id } });
    return undefined;
  }
  // Already there (an earlier try moved it and then failed, or a person did): nothing to say.
  const current = await api.call<{ fields?: { status?: { name?: string } } }>(
    'GET',
    `/issue/${encodeURIComponent(issue.vendor_id)}?fields=status`,
  );
  const status = current?.fields?.status?.name;
  if (status !== undefined && [name, ...already].some((there) => there.toLowerCase() === status.toLowerCase())) return undefined;
  const names = (offered?.transitions ?? []).map((t) => `“${t.name}”`).join(', ') || 'none';
  return `Tollgate could not move this issue with “${name}”: from “${status ?? '?'}” Jira offers ${names}.`;
}

/** The transition an event asks for: the outcome's, or `reopen` after a status change Tollgate did not count. */
function transitionFor(message: OutboxMessage, data: NotificationData, settings: Record<string, unknown>): string | undefined {
  const transitions = namesOf(settings, 'transitions');
  if (message.event === 'decided' || message.event === 'timed_out') return transitions[data.status] ?? transitions[data.detail];
  if (message.event === 'refused' && message.payload.reopen === true) return transitions.reopen;
  return undefined;
}

export const deliverJira: Deliver = async (message, settings, context) => {
  const site = context.endpoints.jira;
  if (site === undefined)
    throw new DeliveryError('no jira site is set: the operator sets `channels.jira.base_url` in the server settings', false);
  const data = await inTurn(message, context);
  const api = jiraApi(site, settings, context);
  let issue = await context.ticket.get();
  // Whatever the event, a request without an issue gets one (its first message went dead, say, or routes skip `requested`).
  const opening = issue === undefined;
  if (issue === undefined) issue = await openIssue(api, settings, context, data);

  const name = transitionFor(message, data, settings);
  const statuses = namesOf(settings, 'vote_statuses');
  const already = [data.status === 'approved' ? statuses.approve : data.status === 'denied' ? statuses.deny : undefined].filter(
    (status): status is string => status !== undefined,
  );
  const problem = name === undefined ? undefined : await transition(api, issue, name, message.event === 'refused' ? [] : already);
  const changed = data.digest !== issue.digest;
  if (!opening || problem !== undefined) {
    const blocks = (scale: number): TicketBlock[] => {
      const built = opening
        ? []
        : commentBlocks(data, { changed: changed && asksForDecision(data.event), scale, howToDecide: jiraHowToDecide(settings) });
      return problem === undefined ? built : [...built, { kind: 'line', text: problem }];
    };
    await api.call('POST', `/issue/${encodeURIComponent(issue.vendor_id)}/comment`, { body: fitted(api, blocks) });
    if (changed && asksForDecision(data.event)) await context.ticket.setDigest(data.digest);
  }
  return { key: issue.key, id: issue.vendor_id, ...(opening ? { created: true } : {}) };
};
