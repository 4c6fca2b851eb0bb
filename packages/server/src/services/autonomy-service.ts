// Graduated autonomy: each agent's level, its track record per action class, promotion after a
// run of successes without issues and demotion at once on a `demote_on` event ("demote faster
// than you promote"), admins setting levels by hand. Every change is audited.

import type { AutonomySpec, PolicyBundle } from '@tollgate/core';
import { TollgateError } from '../errors.js';
import type { ActionRecord, AgentRecord, TrackEvent } from '../stores/records.js';
import type { StoreScope } from '../stores/store.js';
import type { AuditDraft } from './audit-chain.js';
import { ConcurrentChange } from './concurrency.js';

/** What happened to an action, as the track record counts it. */
export type TrackOutcome = 'success' | 'failure' | 'denial' | 'changes_requested' | 'reversal' | 'flag';

const COUNTER: Record<TrackOutcome, TrackEvent | undefined> = {
  success: 'successes',
  failure: 'failures',
  denial: 'denials',
  changes_requested: undefined,
  reversal: 'reversals',
  flag: 'flags',
};

/** The `demote_on` names an outcome answers to. */
function demoteNames(outcome: TrackOutcome, action: ActionRecord): string[] {
  switch (outcome) {
    case 'reversal':
      return ['reversal'];
    case 'flag':
      return ['flagged'];
    case 'failure':
      return action.risk === 'critical' ? ['failed', 'failed_critical'] : ['failed'];
    case 'denial':
      return ['denied'];
    case 'changes_requested':
      return ['changes_requested'];
    case 'success':
      return [];
  }
}

function levels(autonomy: AutonomySpec): number[] {
  return Object.keys(autonomy.levels)
    .map(Number)
    .sort((a, b) => a - b);
}

/** The level an agent starts at: its `autonomy.agents` entry, else the default level. */
export function startingLevel(bundle: PolicyBundle, agent: string): number {
  const autonomy = bundle.autonomy;
  if (autonomy === undefined) return 0;
  return Object.hasOwn(autonomy.agents, agent) ? autonomy.agents[agent]! : autonomy.default_level;
}

export async function agentRow(
  scope: StoreScope,
  bundle: PolicyBundle,
  tenantId: string,
  agent: string,
  now: number,
): Promise<AgentRecord> {
  const found = await scope.agents.get(tenantId, agent);
  if (found !== undefined) return found;
  const created: AgentRecord = {
    tenant_id: tenantId,
    name: agent,
    level: startingLevel(bundle, agent),
    level_since: now,
    clean_successes: 0,
    version: 0,
    created_at: now,
  };
  await scope.agents.ensure(created);
  return (await scope.agents.get(tenantId, agent)) ?? created;
}

/** The agent's current level, as the kernel should decide with it. */
export async function currentLevel(scope: StoreScope, bundle: PolicyBundle, tenantId: string, agent: string): Promise<number> {
  return (await scope.agents.get(tenantId, agent))?.level ?? startingLevel(bundle, agent);
}

/** First time this agent does this action type in this environment (no success there yet). */
export async function isNovel(
  scope: StoreScope,
  tenantId: string,
  agent: string,
  actionType: string,
  environment: string | null,
): Promise<boolean> {
  return !(await scope.agentRecords.hasSucceeded(tenantId, agent, actionType, environment));
}

/**
 * Counts an outcome in the agent's track record and moves its level as the policy says.
 * Returns the audit entries for what changed.
 */
export async function recordOutcome(
  scope: StoreScope,
  bundle: PolicyBundle,
  action: ActionRecord,
  outcome: TrackOutcome,
  now: number,
  cause: string,
): Promise<AuditDraft[]> {
  const agent = await agentRow(scope, bundle, action.tenant_id, action.agent, now);
  const counter = COUNTER[outcome];
  if (counter !== undefined && action.action_type !== null) {
    await scope.agentRecords.count(
      {
        tenantId: action.tenant_id,
        agent: action.agent,
        actionType: action.action_type,
        environment: action.environment,
        level: agent.level,
      },
      counter,
      now,
    );
  }
  const autonomy = bundle.autonomy;
  if (autonomy === undefined) return [];
  const known = levels(autonomy);
  if (outcome === 'success') {
    const clean = agent.clean_successes + 1;
    const next = known.find((level) => level > agent.level);
    if (autonomy.promote_after !== undefined && clean >= autonomy.promote_after && next !== undefined) {
      await changeLevel(scope, agent, { level: next, level_since: now, clean_successes: 0 });
      return [
        {
          type: 'agent.promoted',
          actor: 'system',
          subject: `agent:${agent.name}`,
          data: {
            from: agent.level,
            to: next,
            reason: `${clean} successes without an issue at level ${agent.level} (promote_after ${autonomy.promote_after})`,
            cause,
          },
        },
      ];
    }
    await changeLevel(scope, agent, { clean_successes: clean });
    return [];
  }
  // Any issue restarts the count towards promotion; a `demote_on` issue also costs a level at once.
  const demote = demoteNames(outcome, action).some((name) => autonomy.demote_on.includes(name));
  const lower = [...known].reverse().find((level) => level < agent.level);
  if (demote && lower !== undefined) {
    await changeLevel(scope, agent, { level: lower, level_since: now, clean_successes: 0 });
    return [
      {
        type: 'agent.demoted',
        actor: 'system',
        subject: `agent:${agent.name}`,
        data: {
          from: agent.level,
          to: lower,
          reason: `${outcome.replace('_', ' ')} of ${action.action_type ?? 'an action'} (${action.id})`,
          cause,
        },
      },
    ];
  }
  await changeLevel(scope, agent, { clean_successes: 0 });
  return [];
}

/** An admin sets the level by hand, with a reason. */
export async function setLevel(
  scope: StoreScope,
  bundle: PolicyBundle,
  tenantId: string,
  agentName: string,
  level: number,
  reason: string,
  actor: string,
  now: number,
): Promise<{ from: number; audit: AuditDraft[] }> {
  const autonomy = bundle.autonomy;
  const allowed = autonomy === undefined ? [0, 1, 2, 3] : levels(autonomy);
  if (!allowed.includes(level))
    throw new TollgateError('request.invalid', `level ${level} is not in the policy's autonomy table (levels: ${allowed.join(', ')})`, {
      field: 'level',
    });
  const agent = await agentRow(scope, bundle, tenantId, agentName, now);
  await changeLevel(scope, agent, { level, level_since: now, clean_successes: 0 });
  return {
    from: agent.level,
    audit: [{ type: 'agent.level_set', actor, subject: `agent:${agentName}`, data: { from: agent.level, to: level, reason } }],
  };
}

async function changeLevel(
  scope: StoreScope,
  agent: AgentRecord,
  patch: Partial<Pick<AgentRecord, 'level' | 'level_since' | 'clean_successes'>>,
): Promise<void> {
  if (!(await scope.agents.update(agent.tenant_id, agent.name, agent.version, patch))) {
    throw new ConcurrentChange();
  }
}
