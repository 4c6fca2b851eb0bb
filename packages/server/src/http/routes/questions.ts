// Agents' questions to people: an agent asks (and long-polls for the answer); the tenant's people
// list the questions waiting for them and answer them.

import type { FastifyInstance } from 'fastify';
import { MAX_WAIT_SECONDS } from '../../services/decision-service.js';
import type { Services } from '../../services/services.js';
import { abortOnClose } from '../abort.js';
import { agentOf, guards, userOf } from '../auth.js';
import { holdSlot, waits } from '../hold-limits.js';

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;
const waitQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { wait: { type: 'number', minimum: 0, maximum: MAX_WAIT_SECONDS, description: 'seconds to wait for an answer' } },
} as const;

/** Context of up to 64 KiB, a question and its choices. */
const QUESTION_BODY_LIMIT = 128 * 1024;

export function questionRoutes(app: FastifyInstance, services: Services): void {
  const guard = guards(services);

  app.post(
    '/v1/questions',
    {
      onRequest: [guard.agent, holdSlot(waits)],
      bodyLimit: QUESTION_BODY_LIMIT,
      schema: {
        tags: ['questions'],
        summary: 'Ask a person a question',
        querystring: waitQuery,
        // Checked by the question service, which names the field.
        body: { description: '`question`, and optionally `choices`, `multiple`, `free_text`, `context`, `urgency`' },
      },
    },
    async (request, reply) => {
      const { wait } = request.query as { wait?: number };
      const asked = await services.questions.ask(agentOf(request), request.body);
      const view =
        wait === undefined || wait === 0
          ? asked
          : await services.questions.get(request.principal!, asked.id, { waitSeconds: wait, signal: abortOnClose(reply) });
      return reply.status(201).send(view);
    },
  );

  app.get(
    '/v1/questions/:id',
    {
      onRequest: [guard.any, holdSlot(waits)],
      schema: { tags: ['questions'], summary: 'Read a question and its answer', params: idParams, querystring: waitQuery },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const { wait } = request.query as { wait?: number };
      return services.questions.get(request.principal!, id, { waitSeconds: wait ?? 0, signal: abortOnClose(reply) });
    },
  );

  app.get(
    '/v1/questions',
    {
      onRequest: guard.user(),
      schema: {
        tags: ['questions'],
        summary: 'Questions waiting for the caller (or their groups), newest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'integer', minimum: 1, maximum: 1000 } },
        },
      },
    },
    async (request) => {
      const { limit } = request.query as { limit?: number };
      return { questions: await services.questions.pendingFor(userOf(request), limit ?? 100) };
    },
  );

  app.post(
    '/v1/questions/:id/answers',
    {
      // Auditors read questions but never answer them.
      onRequest: guard.user(['admin', 'approver']),
      schema: {
        tags: ['questions'],
        summary: 'Answer a question',
        params: idParams,
        body: { description: '`choice` (or `choices` for a question with `multiple`) and/or `text`' },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      return reply.status(201).send(await services.questions.answer(userOf(request), id, request.body));
    },
  );
}
