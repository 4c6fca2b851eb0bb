// Inbound callbacks from notification channels: Slack's interactivity endpoint, the pages behind
// the one-click links of e-mail and Teams (both form-encoded, which only these routes accept),
// Jira's webhook and ServiceNow's callback (JSON). Signatures are computed over the raw body, so
// it is kept as text.

import type { FastifyInstance, FastifyReply } from 'fastify';
import { statusOf, TollgateError } from '../../errors.js';
import { confirmPage, resultPage } from '../../notify/link-pages.js';
import type { LinkForm } from '../../notify/link-actions.js';
import type { Services } from '../../services/services.js';

const FORM = 'application/x-www-form-urlencoded';
const tokenParams = { type: 'object', required: ['token'], properties: { token: { type: 'string', maxLength: 200 } } } as const;

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  // The page holds a capability in its URL: keep it out of caches and other sites' Referer headers.
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .send(body);
}

function errorPage(reply: FastifyReply, error: unknown): FastifyReply {
  if (!(error instanceof TollgateError)) throw error;
  // A page refused for too many wrong passwords says when to come back, as the API does.
  const retryAfter = error.details?.retry_after;
  if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
  return html(reply, statusOf(error.code), resultPage('Nothing was decided', error.message));
}

const TICKET_BODY_LIMIT = 1024 * 1024;
const ticketParams = {
  type: 'object',
  required: ['tenant', 'channel'],
  properties: { tenant: { type: 'string', maxLength: 64 }, channel: { type: 'string', maxLength: 200 } },
} as const;

/** Jira's webhook and ServiceNow's callback: JSON kept as the text that was signed. */
function ticketRoutes(app: FastifyInstance, services: Services): void {
  void app.register(async (scoped) => {
    scoped.removeContentTypeParser('application/json');
    scoped.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: TICKET_BODY_LIMIT }, (_request, body, done) =>
      done(null, body),
    );
    const rawJson = (body: unknown, vendor: string): string => {
      if (typeof body !== 'string')
        throw new TollgateError('notify.bad_payload', `${vendor} callbacks are sent as application/json`, { field: 'body' });
      return body;
    };

    scoped.post(
      '/v1/integrations/jira/:tenant/:channel',
      {
        schema: {
          tags: ['integrations'],
          summary:
            "Jira's webhook for a jira channel (status changes, /approve and /deny comments); verified by its secret (X-Hub-Signature)",
          security: [],
          params: ticketParams,
          consumes: ['application/json'],
        },
      },
      async (request, reply) => {
        const { tenant, channel } = request.params as { tenant: string; channel: string };
        const answer = await services.notifications.jira.handle(
          tenant,
          channel,
          rawJson(request.body, 'jira'),
          header(request.headers['x-hub-signature']),
        );
        return reply.status(answer.status).send(answer.body);
      },
    );

    scoped.post(
      '/v1/integrations/servicenow/:tenant/:channel',
      {
        schema: {
          tags: ['integrations'],
          summary: "ServiceNow's callback for a servicenow channel (an approval record's state); signed per Standard Webhooks",
          security: [],
          params: ticketParams,
          consumes: ['application/json'],
        },
      },
      async (request, reply) => {
        const { tenant, channel } = request.params as { tenant: string; channel: string };
        const answer = await services.notifications.servicenow.handle(tenant, channel, rawJson(request.body, 'servicenow'), {
          id: header(request.headers['webhook-id']),
          timestamp: header(request.headers['webhook-timestamp']),
          signature: header(request.headers['webhook-signature']),
        });
        return reply.status(answer.status).send(answer.body);
      },
    );
  });
}

export function integrationRoutes(app: FastifyInstance, services: Services): void {
  ticketRoutes(app, services);
  void app.register(async (scoped) => {
    scoped.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: 256 * 1024 }, (_request, body, done) => done(null, body));

    scoped.post(
      '/v1/integrations/slack/interactivity',
      {
        schema: {
          tags: ['integrations'],
          summary: "Slack's interactivity callback (buttons, the deny modal); verified by Slack's request signature",
          security: [],
          consumes: [FORM],
        },
      },
      async (request, reply) => {
        if (typeof request.body !== 'string')
          throw new TollgateError('notify.bad_payload', `slack callbacks are sent as ${FORM}`, { field: 'body' });
        const answer = await services.notifications.slack.handle(request.body, {
          timestamp: header(request.headers['x-slack-request-timestamp']),
          signature: header(request.headers['x-slack-signature']),
        });
        return answer.body === undefined ? reply.status(answer.status).send() : reply.status(answer.status).send(answer.body);
      },
    );

    scoped.get(
      '/v1/integrations/links/:token',
      {
        schema: {
          tags: ['integrations'],
          summary: 'Confirmation page of a one-click link (never decides)',
          security: [],
          params: tokenParams,
        },
      },
      async (request, reply) => {
        const { token } = request.params as { token: string };
        try {
          return html(reply, 200, confirmPage(await services.notifications.links.preview(token)));
        } catch (error) {
          return errorPage(reply, error);
        }
      },
    );

    scoped.post(
      '/v1/integrations/links/:token',
      {
        schema: {
          tags: ['integrations'],
          summary: "Decide, or answer a question, through a one-click link's confirmation form (once)",
          security: [],
          params: tokenParams,
          consumes: [FORM],
        },
      },
      async (request, reply) => {
        const { token } = request.params as { token: string };
        const fields = new URLSearchParams(typeof request.body === 'string' ? request.body : '');
        const form: LinkForm = {};
        for (const key of ['note', 'name', 'password'] as const) {
          const value = fields.get(key);
          if (value !== null) form[key] = value.slice(0, 4000);
        }
        try {
          const result = await services.notifications.links.confirm(token, form, request.ip);
          const done =
            'question' in result
              ? 'Your answer is recorded; the agent has it now.'
              : result.approval.status === 'pending'
                ? 'Your vote is recorded; the request waits for other approvers.'
                : `The request is now ${result.approval.status}.`;
          return html(reply, 200, resultPage('Thank you', done));
        } catch (error) {
          return errorPage(reply, error);
        }
      },
    );
  });
}
