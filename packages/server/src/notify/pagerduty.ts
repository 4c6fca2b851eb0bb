// PagerDuty Events API v2: trigger an alert when a request escalates or is critical, resolve it
// when the request ends. The dedup key is the request's, so retries and repeats fold into one alert.

import { dataOf, DeliveryError, postJson, requireSecret, stringSetting, type Deliver } from './channel.js';
import { factLine, headline, type NotificationData } from './message.js';
import { SHOWN, shown } from './shown-text.js';

const SEVERITIES = new Set(['critical', 'error', 'warning', 'info']);

/** PagerDuty cuts a summary at 1024 characters; Tollgate cuts it first, saying so. */
export const PAGERDUTY_SUMMARY = 1024;

/** Tollgate's facts first, so a cut takes the agent's words, which follow, quoted and attributed. */
export function alertSummary(data: NotificationData): string {
  const said = data.agent_summary === null ? '' : ` · the agent says: “${data.agent_summary}”`;
  return shown(`${headline(data)}: ${factLine(data)}${said}`, PAGERDUTY_SUMMARY);
}

/**
 * The alert's details, small and in the order people should read them: Tollgate's facts and
 * warnings, then the agent's words under `agent_says`. Plain strings, hidden characters shown.
 */
export function customDetails(data: NotificationData): Record<string, unknown> {
  return {
    title: shown(data.title, SHOWN.title),
    facts: data.facts.map(({ label, value }) => `${shown(label, SHOWN.label)}: ${shown(value, SHOWN.value)}`),
    warnings: data.warnings.slice(0, SHOWN.warnings).map((warning) => shown(warning, SHOWN.warning)),
    agent_says: {
      summary: data.agent_summary === null ? null : shown(data.agent_summary, 1000),
      reasoning: data.agent_reasoning === null ? null : shown(data.agent_reasoning, 600),
      context: data.key_context.map(({ key, value }) => `${shown(key, SHOWN.label)}: ${shown(value, SHOWN.value)}`),
    },
    criteria: data.criteria.map((criterion) => shown(criterion, 300)),
    detail: shown(data.detail, 500),
    approval_id: data.approval_id,
    action_id: data.action_id,
    risk: data.risk,
  };
}

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
            summary: alertSummary(data),
            source: 'tollgate',
            severity: configured ?? (data.risk === 'critical' ? 'critical' : 'error'),
            timestamp: new Date(data.at).toISOString(),
            component: shown(data.agent, 100),
            group: data.tenant_id,
            class: `approval.${data.event}`,
            custom_details: customDetails(data),
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
