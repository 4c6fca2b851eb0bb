// The baseline: a bare Fastify route that answers POST /v1/actions with a canned decision of the
// size and shape Tollgate answers, with nothing behind it. Run in its own process by the suite.
import Fastify from 'fastify';

const canned = {
  agent: 'bench-bot',
  action_type: 'deploy',
  environment: 'staging',
  decision: 'ALLOW',
  status: 'allowed',
  reasons: [
    { kind: 'default', name: 'staging', decision: 'ALLOW', reason: 'no rule matched; the default for `staging` is ALLOW', facts: [] },
  ],
  missing: [
    { path: 'capability', needed_by: 'large-transactions' },
    { path: 'affected_records', needed_by: 'bulk-operations' },
  ],
  risk: null,
  autonomy_level: null,
  policy_version: 'sha256:96de60aadea64ffd6cdbf30924e4cec9120f89b820f6139eebc223a11f4dc236',
  digest: 'sha256:3db6e2cec59a72f0548e22a1c214a02cc028c27dae5df80197ff7153f2fcc991',
  revision_of: null,
};

let sequence = 0;
const app = Fastify({ logger: { level: 'warn' }, bodyLimit: 256 * 1024 });
app.post('/v1/actions', { schema: { body: { type: 'object', additionalProperties: true } } }, async (request, reply) => {
  const now = new Date().toISOString();
  const id = `act_${(sequence++).toString(36).padStart(24, '0')}`;
  return reply.status(201).send({ id, ...canned, created_at: now, decided_at: now, action: request.body });
});
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
console.log(`serving at http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
