// ServiceNow through the Table API: a request becomes a change request (or a record of the
// channel's `table`) whose description leads with what Tollgate knows; later events are work
// notes, and the outcome closes the record with its close code and notes. One record per request:
// its `correlation_id` names the request and is looked for before a record is created.

import type { ServiceNowSite } from '../config/server-settings.js';
import type { NotificationTicket } from '../stores/notify-store.js';
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
import { asksForDecision, factLine, headline, type NotificationData } from './message.js';
import { shown } from './shown-text.js';
import { commentBlocks, plainLines, requestBlocks, type TicketBlock } from './ticket-blocks.js';

/** The base system's lengths of the task fields used (dictionary max_length). */
export const SERVICENOW_LIMITS = { short_description: 160, description: 4000, work_notes: 4000, close_notes: 4000, correlation_id: 100 };

/** How a change request ends in Tollgate's outcomes, unless the channel says otherwise: 3 is Closed, 4 Canceled. */
const CHANGE_CLOSE: Record<string, { state: string; close_code: string }> = {
  approved: { state: '3', close_code: 'successful' },
  denied: { state: '4', close_code: 'unsuccessful' },
  changes_requested: { state: '4', close_code: 'unsuccessful' },
  timed_out: { state: '4', close_code: 'unsuccessful' },
  failed: { state: '4', close_code: 'unsuccessful' },
  cancelled: { state: '4', close_code: 'unsuccessful' },
};

export function correlationId(approvalId: string): string {
  return `tollgate:${approvalId}`;
}

/** What a person in ServiceNow can do, as the record tells them: nothing there without the callback's secret. */
export function serviceNowHowToDecide(settings: Record<string, unknown>): string[] {
  if (stringSetting(settings, 'callback_secret_env') === undefined)
    return ['Decide in Tollgate: approvals made in ServiceNow are not counted for this channel.'];
  return [
    'To decide in ServiceNow: approve or reject your approval of this record; a rejection needs comments giving the reason. Only people linked to their Tollgate user who may decide this request are counted.',
  ];
}

/**
 * Plain text for a Table API field, within `max`: journal fields (work notes) render text between
 * `[code]` tags as HTML, so such tags from a request read `［code]`.
 */
export function plainField(blocks: (scale: number) => TicketBlock[], max: number): string {
  const render = (scale: number) =>
    plainLines(blocks(scale))
      .join('\n')
      .replace(/\[(\/?code)\]/gi, '［$1]');
  let text = render(1);
  for (let scale = 0.5; text.length > max && scale >= 0.0625; scale /= 2) text = render(scale);
  return shown(text, max, { multiline: true });
}

interface TableApi {
  site: ServiceNowSite;
  table: string;
  call<T>(method: string, path: string, body?: Record<string, unknown>): Promise<T>;
}

function tableApi(site: ServiceNowSite, settings: Record<string, unknown>, context: DeliveryContext): TableApi {
  const table = stringSetting(settings, 'table') ?? 'change_request';
  const authorization =
    stringSetting(settings, 'token_env') !== undefined
      ? `Bearer ${requireSecret(settings, 'token_env', context)}`
      : `Basic ${Buffer.from(`${requireSecret(settings, 'user_env', context)}:${requireSecret(settings, 'password_env', context)}`, 'utf8').toString('base64')}`;
  return {
    site,
    table,
    async call<T>(method: string, path: string, body?: Record<string, unknown>): Promise<T> {
      const response = await requestJson(
        context,
        method,
        `${site.base_url}/api/now/table/${table}${path}`,
        body === undefined ? undefined : JSON.stringify(body),
        { accept: 'application/json', authorization },
        // The instance is the operator's (server settings), never a policy's.
        { operatorChosen: true },
      );
      return jsonOf<T>(response, 'servicenow');
    },
  };
}

/** The channel's fixed fields (`fields`), as strings. */
function fixedFields(settings: Record<string, unknown>): Record<string, string> {
  return namesOf(settings, 'fields');
}

/** The request's record: found by its correlation id (an earlier try made it and the answer was lost), else created. */
async function openRecord(
  api: TableApi,
  settings: Record<string, unknown>,
  context: DeliveryContext,
  data: NotificationData,
): Promise<NotificationTicket> {
  const correlation = correlationId(data.approval_id);
  const query = new URLSearchParams({
    sysparm_query: `correlation_id=${correlation}`,
    sysparm_fields: 'sys_id,number',
    sysparm_limit: '1',
  });
  const found = await api.call<{ result?: { sys_id?: string; number?: string }[] }>('GET', `?${query}`);
  let record = found.result?.[0];
  if (record?.sys_id === undefined) {
    const created = await api.call<{ result?: { sys_id?: string; number?: string } }>('POST', '?sysparm_fields=sys_id,number', {
      ...fixedFields(settings),
      short_description: shown(`[Tollgate] ${headline(data)}: ${factLine(data)}`, SERVICENOW_LIMITS.short_description),
      description: plainField(
        (scale) => requestBlocks(data, { scale, howToDecide: serviceNowHowToDecide(settings) }),
        SERVICENOW_LIMITS.description,
      ),
      correlation_id: correlation,
      correlation_display: 'Tollgate',
    });
    record = created.result;
    if (record?.sys_id === undefined) throw new DeliveryError('servicenow answered the record creation without its sys_id', true);
  }
  const sysId = record.sys_id!;
  return context.ticket.record({
    key: record.number ?? sysId,
    vendor_id: sysId,
    url: `${api.site.base_url}/nav_to.do?uri=${encodeURIComponent(`${api.table}.do?sys_id=${sysId}`)}`,
    digest: data.digest,
  });
}

/** The fields that close the record for the outcome: the channel's close codes and states, else a change request's. */
function closing(api: TableApi, settings: Record<string, unknown>, outcome: string): Record<string, string> {
  const fallback = api.table === 'change_request' ? CHANGE_CLOSE[outcome] : undefined;
  const code = namesOf(settings, 'close_codes')[outcome] ?? fallback?.close_code;
  const state = namesOf(settings, 'close_states')[outcome] ?? fallback?.state;
  return { ...(state === undefined ? {} : { state }), ...(code === undefined ? {} : { close_code: code }) };
}

export const deliverServiceNow: Deliver = async (message, settings, context) => {
  const site = context.endpoints.servicenow;
  if (site === undefined)
    throw new DeliveryError(
      'no servicenow instance is set: the operator sets `channels.servicenow.base_url` in the server settings',
      false,
    );
  const data = await inTurn(message, context);
  const api = tableApi(site, settings, context);
  let record = await context.ticket.get();
  const opening = record === undefined;
  // Whatever the event, a request without a record gets one (its first message went dead, say).
  if (record === undefined) record = await openRecord(api, settings, context, data);
  const ends = message.event === 'decided' || message.event === 'timed_out';
  if (opening && !ends) return { key: record.key, sys_id: record.vendor_id, created: true };

  const changed = data.digest !== record.digest && asksForDecision(data.event);
  const note = plainField(
    (scale) => commentBlocks(data, { changed, scale, howToDecide: serviceNowHowToDecide(settings) }),
    SERVICENOW_LIMITS.work_notes,
  );
  // One PATCH: the record is closed with its notes at once, so a retry repeats the same change.
  const fields: Record<string, string> = ends
    ? {
        ...closing(api, settings, data.status === 'pending' ? data.detail : data.status),
        close_notes: note.slice(0, SERVICENOW_LIMITS.close_notes),
      }
    : { work_notes: note };
  await api.call('PATCH', `/${encodeURIComponent(record.vendor_id)}?sysparm_fields=sys_id`, fields);
  if (changed) await context.ticket.setDigest(data.digest);
  return { key: record.key, sys_id: record.vendor_id, ...(opening ? { created: true } : {}) };
};
