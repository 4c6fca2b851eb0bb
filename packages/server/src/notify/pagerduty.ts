// PagerDuty Events API v2: trigger an alert when a request escalates or is critical, resolve it
// when the request ends. The dedup key is the request's, so retries and repeats fold into one alert.

import { dataOf, DeliveryError, postJson, requireSecret, stringSetting, type Deliver } from './channel.js';
import { headline } from './message.js';

const SEVERITIES = new Set(['critical', 'error', 'warning', 'info']);

export function dedupKey(tenantId: string, approvalId: string): string {
  return `tollgate/${tenantId}/${approvalId}`;
}

export const deliverPagerDuty: Deliver = async (message, settings, context) => {
  const routingKey = requireSecret(settings, 'routing_key_env', context);
  // The operator's endpoint (the settings file), never a policy's.
  const base = context.endpoints.pagerduty.base_url.replace(/\/$/, '');
  const data = dataOf(message);
  const action = message.payload.event_action === 'resolve' ? 'resolve' : 'trigger';
  const configured = stringSetting(settings, 'severity');
  if (configured !== undefined && !SEVERITIES.has(configured))
    throw new DeliveryError(`severity \`${configured}\` is not one of critical, error, warning, info`, false);
  const event =
    action === 'resolve'
      ? { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey(data.tenant_id, data.approval_id) }
      : {
          routing_key: routingKey,
          event_action: 'trigger',
          dedup_key: dedupKey(data.tenant_id, data.approval_id),
          payload: {
            summary: `${headline(data)}: ${data.summary}`.slice(0, 1024),
            source: 'tollgate',
            severity: configured ?? (data.risk === 'critical' ? 'critical' : 'error'),
            timestamp: new Date(data.at).toISOString(),
            component: data.agent,
            group: data.tenant_id,
            class: `approval.${data.event}`,
            custom_details: {
              approval_id: data.approval_id,
              action_id: data.action_id,
              risk: data.risk,
              detail: data.detail,
              criteria: data.criteria,
              ...Object.fromEntries(data.key_context.map(({ key, value }) => [key, value])),
            },
          },
          client: 'Tollgate',
          client_url: data.url,
          links: [{ href: data.url, text: 'Decide in Tollgate' }],
        };
  const response = await postJson(context, `${base}/v2/enqueue`, JSON.stringify(event), {}, { operatorChosen: true });
  let answer: { status?: string; dedup_key?: string } = {};
  try {
    answer = JSON.parse(response.body.toString('utf8')) as typeof answer;
  } catch {
    // Not JSON: the event was accepted all the same.
  }
  return { status: answer.status ?? null, dedup_key: answer.dedup_key ?? event.dedup_key };
};
