// Starts and stops a Tollgate server: store, migrations, policy, services, HTTP, and a graceful
// shutdown that finishes in-flight requests and commits every queued write before exiting.

import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ServeConfig } from '../config/config.js';
import { buildApp } from '../http/app.js';
import { PolicyLoadError } from '../services/policy-service.js';
import { TenantPolicies } from '../services/tenant-policies.js';
import { loadPolicy } from '@tollgate/core';
import { readPolicyFiles } from '../policy/load-files.js';
import { createServices, type Services } from '../services/services.js';
import { SWEEP_EVERY_MS } from '../services/timer-service.js';
import { openStore } from '../stores/open-store.js';
import type { Store } from '../stores/store.js';
import { systemClock, type Clock } from '../util/clock.js';

/** How long a graceful shutdown waits for in-flight requests before it cuts their connections. */
export const SHUTDOWN_GRACE_MS = 10_000;
const PURGE_EVERY_MS = 10 * 60_000;

export interface RunningServer {
  app: FastifyInstance;
  services: Services;
  url: string;
  close(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  /** Sweep approval deadlines every this many ms; 0 leaves sweeping to the caller (tests). */
  timerIntervalMs?: number;
  /** Pino logger options, or false for silence (tests). */
  logger?: boolean | { level: string };
  watchPolicy?: boolean;
}

/** The grant-signing secret: from the environment, or created once and kept in the database. */
async function serverSecret(store: Store, configured: string | undefined): Promise<string> {
  if (configured !== undefined && configured !== '') return configured;
  return store.settings.getOrCreate('server_secret', randomBytes(32).toString('base64url'));
}

export async function startServer(config: ServeConfig, options: StartOptions = {}): Promise<RunningServer> {
  const clock = options.clock ?? systemClock;
  const policies = TenantPolicies.load({ defaultPath: config.policy, settings: config.settings }, clock);
  const shadowFiles = config.shadow === undefined ? undefined : readPolicyFiles(config.shadow);
  if (shadowFiles !== undefined) {
    const checked = loadPolicy(shadowFiles);
    if (!checked.ok) throw new PolicyLoadError(checked.diagnostics);
  }
  const store = await openStore(config.db);
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  const secret = await serverSecret(store, config.secret);
  const services = createServices({
    store,
    policies,
    clock,
    secret,
    baseUrl: config.publicUrl,
    settings: config.settings,
    auditKeys: config.auditKeys,
  });
  await services.auth.ensureTenant('default');
  // Created (or read) before serving, so every node signs with the one key from its first round.
  await services.audit.signingKey();
  const app = await buildApp(services, {
    rateLimit: config.rateLimit,
    logger: options.logger ?? { level: config.logLevel },
    publicUrl: config.publicUrl,
    ...(config.trustProxy === undefined ? {} : { trustProxy: config.trustProxy }),
    // Served over HTTPS (behind a proxy that terminates TLS): the browser must never send the cookie in clear.
    secureCookies: config.publicUrl.startsWith('https:'),
  });
  // A refused or failed outbound call answers its caller with little; the reason is logged here.
  services.outbound.onFailure((failure) => app.log.warn({ outbound: failure }, 'outbound call refused or failed'));
  // Each tenant's shadow and promoted policy live in the database: apply them before the first decision.
  const restored = await services.shadow.restore(shadowFiles);
  for (const [tenant, version] of Object.entries(restored.promoted))
    app.log.info({ tenant, version }, 'promoted policy applied in place of the policy files');
  for (const [tenant, version] of Object.entries(restored.dropped))
    app.log.info({ tenant, version }, 'policy files changed since the last promotion; they are live');
  for (const broken of restored.broken) app.log.error(broken, 'a stored policy no longer loads and is not applied');
  await services.policyHistory.recordLoaded();
  if (options.watchPolicy !== false) {
    policies.watch((tenant, result) => {
      if (result.ok) {
        if (result.changed) app.log.info({ tenant, version: result.version }, 'policy reloaded');
      } else {
        app.log.error({ tenant, diagnostics: result.diagnostics }, 'policy change rejected; the previous version keeps serving');
      }
    });
  }
  const disconnect = store.events === undefined ? undefined : await services.bus.connect(store.events);
  // A policy reloaded on another node is reloaded here too, so that every node decides alike.
  services.bus.subscribe(undefined, (event) => {
    if (event.remote === true && event.type === 'policy.reloaded') services.policies.for(event.tenant_id).reload();
  });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    // A port in use must end the process: nothing started so far may keep it alive.
    policies.close();
    await app.close();
    await disconnect?.();
    await services.shadow.close();
    await store.close();
    throw error;
  }
  if (options.timerIntervalMs !== 0) services.timers.start(options.timerIntervalMs ?? SWEEP_EVERY_MS);
  // Metrics rollups of closed days are built ahead (now, then every minute); stored policies are re-read.
  if (options.timerIntervalMs !== 0) {
    services.metrics.startRollups({ onError: (error) => app.log.error({ err: error }, 'metrics rollup failed') });
    services.shadow.watch();
  }
  // The outbox is emptied on the same schedule, and right after any change that may have written to it.
  if (options.timerIntervalMs !== 0) {
    services.notifications.sender.start(options.timerIntervalMs ?? 1000);
    services.bus.subscribe(undefined, (event) => {
      if (event.type.startsWith('approval.') || event.type.startsWith('question.')) services.notifications.sender.kick();
    });
  }
  // Chain heads are signed and published now and then, and once more at shutdown.
  if (options.timerIntervalMs !== 0) services.auditPublisher.start(config.settings.audit.publish.every_ms, app.log);
  // Expired sessions and ended sign-in windows are deleted at start and then every ten minutes.
  let purging: Promise<unknown> | undefined;
  const purge = (): void => {
    purging = services.auth.purgeExpired().catch((error: unknown) => app.log.error({ err: error }, 'deleting expired sessions failed'));
  };
  const purgeTimer = options.timerIntervalMs === 0 ? undefined : setInterval(purge, PURGE_EVERY_MS).unref();
  if (purgeTimer !== undefined) purge();
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    app,
    services,
    url,
    close() {
      closing ??= (async () => {
        policies.close();
        await services.timers.stop();
        await services.metrics.stopRollups();
        await services.notifications.sender.stop();
        clearInterval(purgeTimer);
        await purging;
        // In-flight requests get a grace period; a connection that still holds on after it is cut,
        // so that a stuck client cannot keep the process from exiting.
        const force = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
        await app.close();
        clearTimeout(force);
        await disconnect?.();
        await services.batcher.drain();
        // After the last writes: the head signed at shutdown covers every event of this node.
        await services.auditPublisher.stop();
        await services.shadow.close();
        await services.policyHistory.settled();
        await store.close();
      })();
      return closing;
    },
  };
}
