// Policy simulation (DESIGN §3.6): replays a tenant's stored actions against a candidate policy
// and reports which decisions would change and the approval load it would create.

import { loadPolicy, SimulationTally, type CompiledPolicy, type PolicyFile, type SimulationReport } from '@tollgate/core';
import { TollgateError } from '../errors.js';
import type { ActionRecord } from '../stores/records.js';
import type { Store } from '../stores/store.js';
import type { Clock } from '../util/clock.js';
import { windowMs } from './metrics-service.js';

const PAGE = 1000;

export interface SimulationResult extends SimulationReport {
  tenant: string;
  candidate_version: string;
  window: { name: string; since: string; until: string };
  /** The live policy versions the replayed decisions were made under. */
  live_versions: string[];
}

/** Compiles a candidate from its files, or throws policy.invalid with every diagnostic. */
export function compileCandidate(files: PolicyFile[]): CompiledPolicy {
  const result = loadPolicy(files);
  if (!result.ok) throw new TollgateError('policy.invalid', 'the candidate policy does not load', { diagnostics: result.diagnostics });
  return result.policy;
}

/** Replays one stored action under `policy` with what was known when it was decided. */
export function replay(policy: CompiledPolicy, action: ActionRecord): ReturnType<CompiledPolicy['evaluate']> {
  // Novelty is history the action itself does not carry; the live decision recorded it.
  const novel = action.evaluation.reasons.some((reason) => reason.name === 'escalation.novelty');
  return policy.evaluate(action.payload, {
    now: action.created_at,
    actionId: action.id,
    ...(action.autonomy_level === null ? {} : { level: action.autonomy_level }),
    ...(novel ? { novel } : {}),
  });
}

export class SimulationService {
  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  async simulate(
    tenantId: string,
    candidate: CompiledPolicy,
    options: { since?: string; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<SimulationResult> {
    const name = options.since ?? '30d';
    const until = this.deps.clock.now();
    const since = until - windowMs(name);
    const { store } = this.deps;
    const total = await store.actions.count(tenantId, { since });
    const tally = new SimulationTally();
    const versions = new Set<string>();
    let done = 0;
    for (let after: string | undefined; ;) {
      const page = await store.actions.list(tenantId, { since, limit: PAGE, ...(after === undefined ? {} : { after }) });
      for (const action of page) {
        if (action.created_at >= until) continue;
        versions.add(action.policy_version);
        tally.add(
          {
            id: action.id,
            agent: action.agent,
            action_type: action.action_type,
            environment: action.environment,
            created_at: action.created_at,
          },
          action.evaluation,
          replay(candidate, action),
        );
      }
      done += page.length;
      options.onProgress?.(Math.min(done, total), total);
      if (page.length < PAGE) break;
      after = page[page.length - 1]!.id;
    }
    return {
      tenant: tenantId,
      candidate_version: candidate.version,
      window: { name, since: new Date(since).toISOString(), until: new Date(until).toISOString() },
      live_versions: [...versions].sort(),
      ...tally.report((until - since) / 86_400_000),
    };
  }
}
