// The audit trail for auditors and admins: pages of events, verification, export.

import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { toCsvRow, toJsonLine, EXPORT_COLUMNS } from '../../services/audit-service.js';
import { TollgateError } from '../../errors.js';
import type { Services } from '../../services/services.js';
import { guards } from '../auth.js';

export function auditRoutes(app: FastifyInstance, services: Services): void {
  const guard = guards(services);
  const readers = guard.user(['admin', 'auditor']);

  app.get(
    '/v1/audit',
    {
      onRequest: readers,
      schema: {
        tags: ['audit'],
        summary: 'Audit events in chain order',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            after: { type: 'integer', minimum: 0 },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
            type: { type: 'string' },
            subject: { type: 'string' },
          },
        },
      },
    },
    async (request) => {
      const query = request.query as { after?: number; limit?: number; type?: string; subject?: string };
      const events = await services.audit.list(request.principal!.tenant_id, {
        afterSeq: query.after ?? 0,
        limit: query.limit ?? 100,
        ...(query.type === undefined ? {} : { type: query.type }),
        ...(query.subject === undefined ? {} : { subject: query.subject }),
      });
      return {
        events: events.map((event) => ({ ...event, created_at: new Date(event.created_at).toISOString() })),
        head: await services.audit.head(request.principal!.tenant_id),
      };
    },
  );

  app.get(
    '/v1/audit/verify',
    {
      onRequest: readers,
      schema: {
        tags: ['audit'],
        summary: 'Verify the hash chain and the signed heads (stored and published); an exported head may be passed as well',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { anchor_seq: { type: 'integer', minimum: 0 }, anchor_hash: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
        },
      },
    },
    async (request) => {
      const query = request.query as { anchor_seq?: number; anchor_hash?: string };
      if ((query.anchor_seq === undefined) !== (query.anchor_hash === undefined)) {
        throw new TollgateError('request.invalid', 'give both `anchor_seq` and `anchor_hash`, or neither', {
          field: query.anchor_seq === undefined ? 'querystring.anchor_seq' : 'querystring.anchor_hash',
        });
      }
      const anchor =
        query.anchor_seq !== undefined && query.anchor_hash !== undefined ? { seq: query.anchor_seq, hash: query.anchor_hash } : undefined;
      return services.audit.verify(request.principal!.tenant_id, anchor === undefined ? {} : { anchor });
    },
  );

  app.get(
    '/v1/audit/public-key',
    {
      onRequest: readers,
      schema: { tags: ['audit'], summary: 'The public key that signs audit chain heads (Ed25519, PEM), to verify them elsewhere' },
    },
    async () => {
      const key = await services.audit.signingKey();
      return { algorithm: 'ed25519', key_id: key.keyId, public_key: key.pem };
    },
  );

  app.get(
    '/v1/audit/export',
    {
      onRequest: readers,
      schema: {
        tags: ['audit'],
        summary: 'Export the whole trail as JSON lines or CSV',
        querystring: { type: 'object', additionalProperties: false, properties: { format: { type: 'string', enum: ['jsonl', 'csv'] } } },
      },
    },
    async (request, reply) => {
      const format = (request.query as { format?: 'jsonl' | 'csv' }).format ?? 'jsonl';
      const tenantId = request.principal!.tenant_id;
      const events = services.audit.events(tenantId);
      async function* lines(): AsyncGenerator<string> {
        if (format === 'csv') yield `${EXPORT_COLUMNS.join(',')}\n`;
        for await (const event of events) yield `${format === 'csv' ? toCsvRow(event) : toJsonLine(event)}\n`;
      }
      reply.header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
      reply.header('content-disposition', `attachment; filename="audit-${tenantId}.${format}"`);
      return reply.send(Readable.from(lines()));
    },
  );
}
