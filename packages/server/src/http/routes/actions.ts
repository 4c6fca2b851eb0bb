// Agents' endpoints: submit an action for a decision (optionally waiting for people), read it,
// redeem an approval grant, and report the outcome.

import type { FastifyInstance } from 'fastify';
import { TollgateError } from '../../errors.js';
import type { ActionStatus } from '../../stores/records.js';

const ACTION_STATUSES: ActionStatus[] = [
  'allowed',
  'review',
  'pending',
  'approved',
  'denied',
  'changes_requested',
  'timed_out',
  'executed',
  'failed',
  'reversed',
  'cancelled',
];
import { MAX_WAIT_SECONDS } from '../../services/decision-service.js';
import type { Services } from '../../services/services.js';
import type { ElicitedVoteInput } from '../../services/approval-service.js';
import { agentOf, guards } from '../auth.js';
import { abortOnClose } from '../abort.js';
import { holdSlot, waits } from '../hold-limits.js';

const waitQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    wait: { type: 'number', minimum: 0, maximum: MAX_WAIT_SECONDS, description: 'seconds to wait for people when approval is required' },
  },
} as const;

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;

export const ACTION_BODY_LIMIT = 256 * 1024;

export function actionRoutes(app: FastifyInstance, services: Services): void {
  const guard = guards(services);

  app.post(
    '/v1/actions',
    {
      onRequest: [guard.agent, holdSlot(waits)],
      bodyLimit: ACTION_BODY_LIMIT,
      schema: {
        tags: ['actions'],
        summary: 'Submit an action for a decision',
        querystring: waitQuery,
        // Checked by the decision service, which names the field; a schema here would answer first and vaguer.
        body: { description: 'the action: a JSON object with reserved fields (action_type, environment, …) and any attributes' },
      },
    },
    async (request, reply) => {
      const { wait } = request.query as { wait?: number };
      // Only a long-poll needs to hear that the client left (and a signal per decision shows in the profile).
      const view = await services.decisions.submit(agentOf(request), request.body, {
        waitSeconds: wait ?? 0,
        ...(wait === undefined || wait === 0 ? {} : { signal: abortOnClose(reply) }),
      });
      return reply.status(201).send(view);
    },
  );

  app.get(
    '/v1/actions/:id',
    {
      onRequest: [guard.any, holdSlot(waits)],
      schema: { tags: ['actions'], summary: 'Read an action and its decision', params: idParams, querystring: waitQuery },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const { wait } = request.query as { wait?: number };
      return services.decisions.get(request.principal!, id, { waitSeconds: wait ?? 0, signal: abortOnClose(reply) });
    },
  );

  app.get(
    '/v1/actions',
    {
      onRequest: guard.user(),
      schema: {
        tags: ['actions'],
        summary: 'List actions, newest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', description: 'comma-separated statuses' },
            agent: { type: 'string' },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
            after: { type: 'string' },
          },
        },
      },
    },
    async (request) => {
      const query = request.query as { status?: string; agent?: string; limit?: number; after?: string };
      for (const status of query.status?.split(',') ?? []) {
        if (!ACTION_STATUSES.includes(status as ActionStatus)) {
          throw new TollgateError('request.invalid', `unknown status \`${status}\`; one of ${ACTION_STATUSES.join(', ')}`, {
            field: 'querystring.status',
          });
        }
      }
      const actions = await services.store.actions.list(request.principal!.tenant_id, {
        ...(query.status === undefined ? {} : { status: query.status.split(',') as ActionStatus[] }),
        ...(query.agent === undefined ? {} : { agent: query.agent }),
        ...(query.limit === undefined ? {} : { limit: query.limit }),
        ...(query.after === undefined ? {} : { after: query.after }),
      });
      return {
        actions: actions.map((action) => ({
          id: action.id,
          agent: action.agent,
          action_type: action.action_type,
          environment: action.environment,
          decision: action.decision,
          status: action.status,
          risk: action.risk,
          created_at: new Date(action.created_at).toISOString(),
        })),
      };
    },
  );

  app.post(
    '/v1/actions/:id/outcome',
    {
      onRequest: guard.agent,
      schema: {
        tags: ['actions'],
        summary: 'Report what happened when the agent executed the action',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['status'],
          properties: {
            status: { type: 'string', enum: ['succeeded', 'failed'] },
            detail: { type: 'string', maxLength: 10000 },
            compensation: {
              type: 'object',
              description: 'how to undo it: { capability } for a worker job or { webhook } for a signed call',
            },
          },
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      return services.decisions.reportOutcome(
        agentOf(request),
        id,
        request.body as { status: 'succeeded' | 'failed'; detail?: string; compensation?: Record<string, unknown> },
      );
    },
  );

  app.post(
    '/v1/actions/:id/elicited-vote',
    {
      onRequest: guard.agent,
      schema: {
        tags: ['actions'],
        summary: "Record the answer of the MCP client's own user (elicitation), where the policy allows it for the action's rule and risk",
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['verdict', 'digest', 'user'],
          properties: {
            verdict: { type: 'string', enum: ['approve', 'deny'] },
            digest: { type: 'string', maxLength: 100, description: 'the digest of the action the client’s user was shown' },
            user: { type: 'string', minLength: 1, maxLength: 200, description: 'who the client says answered; recorded, not checked' },
            note: { type: 'string', maxLength: 4000 },
          },
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const approval = await services.approvals.voteElicited(agentOf(request), id, request.body as ElicitedVoteInput);
      return reply.status(201).send(approval);
    },
  );

  app.post(
    '/v1/grants/redeem',
    {
      onRequest: guard.agent,
      schema: {
        tags: ['actions'],
        summary: 'Use an approval grant to execute exactly the approved action (once)',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['grant', 'digest'],
          properties: { grant: { type: 'string', maxLength: 200 }, digest: { type: 'string', maxLength: 100 } },
        },
      },
    },
    async (request) => {
      const body = request.body as { grant: string; digest: string };
      return services.decisions.redeem(agentOf(request), body.grant, body.digest);
    },
  );
}
