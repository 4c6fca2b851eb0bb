// The tenant's live policy: read it (with its version history) and reload it from its files; a
// policy that does not load is answered with its diagnostics and the old one keeps serving.

import type { FastifyInstance } from 'fastify';
import { TollgateError } from '../../errors.js';
import type { Services } from '../../services/services.js';
import { guards } from '../auth.js';

export function policyRoutes(app: FastifyInstance, services: Services): void {
  const guard = guards(services);

  app.get(
    '/v1/policy',
    { onRequest: guard.user(), schema: { tags: ['policy'], summary: "The tenant's live policy and its versions" } },
    async (request) => {
      const tenantId = request.principal!.tenant_id;
      const live = services.policies.for(tenantId);
      const policy = live.current();
      const { bundle } = policy;
      // Whether a shadow runs, as every node stored it: so that a page can ask for its figures only then.
      await services.shadow.sync();
      const shadow = services.shadow.current(tenantId);
      return {
        version: policy.version,
        shadow: shadow === undefined ? null : { version: shadow.version, loaded_at: new Date(shadow.loaded_at).toISOString() },
        source: live.source(),
        files: live.currentFiles(),
        summary: {
          rules: bundle.rules.length,
          environments: Object.keys(bundle.approval_policies),
          workflows: Object.keys(bundle.workflows),
          groups: Object.keys(bundle.groups),
          autonomy: bundle.autonomy !== undefined,
          escalation: bundle.escalation !== undefined,
        },
        warnings: policy.warnings,
        versions: (await services.policyHistory.versions(tenantId)).map((entry) => ({
          version: entry.version,
          source: entry.source,
          loaded_at: new Date(entry.first_live_at).toISOString(),
          last_live_at: new Date(entry.last_live_at).toISOString(),
        })),
      };
    },
  );

  app.post(
    '/v1/policy/reload',
    {
      onRequest: guard.user(['admin']),
      schema: { tags: ['policy'], summary: "Reload the tenant's policy from the policy files the operator serves for it" },
    },
    async (request) => {
      const tenantId = request.principal!.tenant_id;
      const live = services.policies.for(tenantId);
      if (!live.servedFromFiles())
        throw new TollgateError(
          'policy.no_files',
          'the operator serves no policy files for this tenant; change its policy with `tollgate policy push` or a shadow and its promotion',
        );
      const result = live.reload();
      if (!result.ok)
        throw new TollgateError('policy.invalid', 'the policy does not load; the previous version keeps serving', {
          diagnostics: result.diagnostics,
        });
      request.log.info({ tenant: tenantId, version: result.version, changed: result.changed }, 'policy reloaded');
      if (result.changed)
        services.bus.publish({ type: 'policy.reloaded', tenant_id: tenantId, at: services.clock.now(), data: { version: result.version } });
      return { version: result.version, changed: result.changed, warnings: result.warnings };
    },
  );
}
