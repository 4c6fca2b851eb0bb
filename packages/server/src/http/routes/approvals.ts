// People's endpoints for approval requests: list, read, vote, and hand a stage to someone eligible.

import type { FastifyInstance } from 'fastify';
import { TollgateError } from '../../errors.js';
import type { ApprovalStatus } from '../../stores/records.js';
import type { DelegateInput, VoteInput } from '../../services/approval-service.js';
import type { Services } from '../../services/services.js';
import { guards, userOf } from '../auth.js';

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;
const eligiblePerson = {
  type: 'object',
  required: ['id', 'name', 'role', 'groups', 'open_assignments', 'approver'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string', enum: ['admin', 'approver'] },
    groups: { type: 'array', items: { type: 'string' }, description: 'directory groups and the policy bundle’s groups that list them' },
    open_assignments: { type: 'integer', description: 'requests waiting in their inbox now' },
    approver: { type: 'boolean', description: 'one of the stage’s approvers already; false: only this delegation would make them one' },
  },
} as const;
const STATUSES: ApprovalStatus[] = ['pending', 'approved', 'denied', 'changes_requested', 'timed_out', 'cancelled'];

export function approvalRoutes(app: FastifyInstance, services: Services): void {
  const guard = guards(services);

  app.get(
    '/v1/approvals',
    {
      onRequest: guard.user(),
      schema: {
        tags: ['approvals'],
        summary: 'List approval requests, newest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', description: `comma-separated: ${STATUSES.join(', ')}` },
            assigned: { type: 'string', enum: ['me'], description: 'only open requests routed to the caller' },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
            after: { type: 'string' },
          },
        },
      },
    },
    async (request) => {
      const query = request.query as { status?: string; limit?: number; after?: string; assigned?: 'me' };
      if (query.assigned === 'me')
        return {
          approvals: await services.approvals.assignedTo(request.principal!.tenant_id, userOf(request).user.id, query.limit ?? 100),
        };
      const status = query.status?.split(',').filter((s) => s !== '') as ApprovalStatus[] | undefined;
      for (const value of status ?? []) {
        if (!STATUSES.includes(value)) {
          throw new TollgateError('request.invalid', `unknown status \`${value}\``, { field: 'querystring.status' });
        }
      }
      const approvals = await services.approvals.list(request.principal!.tenant_id, {
        ...(status === undefined ? {} : { status }),
        ...(query.limit === undefined ? {} : { limit: query.limit }),
        ...(query.after === undefined ? {} : { after: query.after }),
      });
      return { approvals };
    },
  );

  app.get(
    '/v1/approvals/:id',
    {
      onRequest: guard.user(),
      schema: { tags: ['approvals'], summary: 'Read an approval request with its whole context package', params: idParams },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      return services.approvals.detail(request.principal!.tenant_id, id);
    },
  );

  app.get(
    '/v1/approvals/:id/eligible',
    {
      onRequest: guard.user(),
      schema: {
        tags: ['approvals'],
        summary: 'Who a stage may be handed to: the people POST /v1/approvals/:id/delegate accepts, the caller left out',
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            step: { type: 'string', maxLength: 100, description: 'the stage; may be left out when only one is waiting for the caller' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['approval_id', 'step', 'people', 'out_of_office'],
            properties: {
              approval_id: { type: 'string' },
              step: { type: ['string', 'null'], description: 'the stage the list is for; null once no stage waits' },
              people: { type: 'array', items: eligiblePerson, description: 'approvers of the stage first, then by name' },
              out_of_office: {
                type: 'array',
                items: eligiblePerson,
                description: 'people who could take it but are out of office; a delegation to them is refused',
              },
            },
          },
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const { step } = request.query as { step?: string };
      return services.approvals.eligible(userOf(request), id, step);
    },
  );

  app.post(
    '/v1/approvals/:id/votes',
    {
      onRequest: guard.user(['admin', 'approver']),
      schema: {
        tags: ['approvals'],
        summary: 'Approve, deny (with a reason) or request changes (with feedback)',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['verdict'],
          properties: {
            verdict: { type: 'string', enum: ['approve', 'deny', 'request_changes'] },
            note: { type: 'string', maxLength: 4000 },
            modifications: { type: 'object' },
            digest: { type: 'string', maxLength: 100, description: 'the digest the voter saw; refused if the action changed' },
            step: { type: 'string', maxLength: 100, description: 'the stage voted on, when several are open to the voter' },
            standing: {
              type: 'object',
              description:
                'with `approve`: also approve more of this agent’s actions of this type, `{ for, uses, constraints }`, within the policy’s `standing` bound',
            },
          },
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const approval = await services.approvals.vote(userOf(request), id, request.body as VoteInput);
      return reply.status(201).send(approval);
    },
  );

  app.post(
    '/v1/approvals/:id/delegate',
    {
      onRequest: guard.user(['admin', 'approver']),
      schema: {
        tags: ['approvals'],
        summary: 'Hand your decision on a stage to another eligible person',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['to'],
          properties: {
            to: { type: 'string', minLength: 1, maxLength: 64, description: 'name or id of the person who takes over' },
            note: { type: 'string', maxLength: 4000 },
            step: { type: 'string', maxLength: 100 },
          },
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      return services.approvals.delegate(userOf(request), id, request.body as DelegateInput);
    },
  );
}
