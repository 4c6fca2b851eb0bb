// The live policy: read it (with its version history) and reload it; a policy that does not
// load is answered with its diagnostics and the old one keeps serving.

import type { FastifyInstance } from 'fastify';
import { TollgateError } from '../../errors.js';
import type { Services } from '../../services/services.js';
import { guards } from '../auth.js';

export function policyRoutes(app: FastifyInstance, services: Services): void {
  const guard = guards(services);

  app.get(
    '/v1/policy',
    { onRequest: guard.user(), schema: { tags: ['policy'], summary: 'The live policy and its versions' } },
    async () => {
      const policy = services.policies.current();
      const { bundle } = policy;
      return {
        version: policy.version,
        files: services.policies.currentFiles(),
        summary: {
          rules: bundle.rules.length,
          environments: Object.keys(bundle.approval_policies),
          workflows: Object.keys(bundle.workflows),
          groups: Object.keys(bundle.groups),
          autonomy: bundle.autonomy !== undefined,
          escalation: bundle.escalation !== undefined,
        },
        warnings: policy.warnings,
        versions: services.policies
          .versions()
          .map((entry) => ({ version: entry.version, loaded_at: new Date(entry.loaded_at).toISOString() })),
      };
    },
  );

  app.post(
    '/v1/policy/reload',
    { onRequest: guard.user(['admin']), schema: { tags: ['policy'], summary: 'Reload the policy from its files' } },
    async (request) => {
      const result = services.policies.reload();
      if (!result.ok)
        throw new TollgateError('policy.invalid', 'the policy does not load; the previous version keeps serving', {
          diagnostics: result.diagnostics,
        });
      request.log.info({ version: result.version, changed: result.changed }, 'policy reloaded');
      if (result.changed)
        services.bus.publish({
          type: 'policy.reloaded',
          tenant_id: request.principal!.tenant_id,
          at: services.clock.now(),
          data: { version: result.version },
        });
      return { version: result.version, changed: result.changed, warnings: result.warnings };
    },
  );
}
