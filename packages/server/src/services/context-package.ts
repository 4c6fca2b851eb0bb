// What an approver sees, in the guide's information hierarchy: first what Tollgate itself knows
// (the facts: action, environment, tested and weighty fields, contradictions), then the action in
// one sentence, the risk assessment (why this needs approval), key context, full details, the
// diff, the simulation, the AI's reasoning, the analysis of earlier workflow steps, and historical
// precedent (how similar requests of this gate ended).

import type { WorkerRef } from '@tollgate/core';
import type { ActionRecord, ApprovalRecord } from '../stores/records.js';
import type { StoreScope } from '../stores/store.js';
import { requestFacts, type RequestFacts } from './request-facts.js';

const PRECEDENTS = 5;
/** Context keys shown in their own sections rather than among the key context. */
const OWN_SECTIONS = new Set(['diff', 'simulation', 'dry_run', 'details']);

export interface ContextPackage {
  /** What Tollgate knows, shown before the agent's words; the rest of the package is the agent's. */
  facts: RequestFacts;
  summary: string;
  risk: {
    level: string | null;
    why: { name: string; kind: string; decision: string; reason: string }[];
    missing: { path: string; needed_by: string }[];
  };
  criteria: string[];
  key_context: Record<string, unknown>;
  details: Record<string, unknown>;
  diff: unknown;
  simulation: unknown;
  reasoning: { text: string | null; confidence: number | null };
  analysis: Record<string, unknown>;
  /** Who produced each step's analysis, by step id: a worker's output is that worker's word, not the agent's. */
  analysis_by: Record<string, WorkerRef>;
  precedent: {
    action_id: string;
    status: string;
    resolution: string | null;
    summary: string;
    decided_at: string | null;
    outcome: string | null;
  }[];
}

/** "deploy-bot wants to deploy in production": the agent's own summary when it gave one. */
export function oneSentence(action: ActionRecord): string {
  const summary = action.payload.summary;
  if (typeof summary === 'string' && summary.trim() !== '') return summary.trim();
  const where = action.environment === null ? '' : ` in ${action.environment}`;
  return `${action.agent} wants to ${action.action_type ?? 'act'}${where}`;
}

export async function contextPackage(scope: StoreScope, approval: ApprovalRecord, action: ActionRecord): Promise<ContextPackage> {
  const payload = approval.state?.action ?? action.payload;
  const context = typeof payload.context === 'object' && payload.context !== null ? (payload.context as Record<string, unknown>) : {};
  const analysis: Record<string, unknown> = {};
  const analysisBy: Record<string, WorkerRef> = {};
  const criteria = new Set<string>(approval.criteria);
  for (const step of approval.state?.steps ?? []) {
    if (step.type === 'worker' && step.output !== null) {
      analysis[step.id] = step.output;
      if (step.worker != null) analysisBy[step.id] = step.worker;
    }
    if (step.type === 'approval') for (const criterion of step.criteria) criteria.add(criterion);
  }
  return {
    facts: requestFacts(action, payload),
    summary: oneSentence(action),
    risk: {
      level: action.risk,
      why: action.evaluation.reasons
        .filter((reason) => reason.decision !== 'ALLOW')
        .map((reason) => ({ name: reason.name, kind: reason.kind, decision: reason.decision, reason: reason.reason })),
      missing: action.evaluation.missing,
    },
    criteria: [...criteria],
    key_context: Object.fromEntries(Object.entries(context).filter(([key]) => !OWN_SECTIONS.has(key))),
    details: payload,
    diff: context.diff ?? null,
    simulation: context.simulation ?? context.dry_run ?? null,
    reasoning: {
      text: typeof payload.reasoning === 'string' ? payload.reasoning : null,
      confidence: typeof payload.confidence === 'number' ? payload.confidence : null,
    },
    analysis,
    analysis_by: analysisBy,
    precedent: await precedents(scope, action),
  };
}

/** The latest decided requests for the same kind of action in the same environment. */
async function precedents(scope: StoreScope, action: ActionRecord): Promise<ContextPackage['precedent']> {
  if (action.action_type === null) return [];
  const similar = await scope.actions.list(action.tenant_id, {
    action_type: action.action_type,
    environment: action.environment,
    decision: 'REQUIRE_APPROVAL',
    status: ['approved', 'denied', 'changes_requested', 'timed_out', 'executed', 'failed'],
    limit: PRECEDENTS + 1,
  });
  const found: ContextPackage['precedent'] = [];
  for (const other of similar) {
    if (other.id === action.id || found.length >= PRECEDENTS) continue;
    const request = await scope.approvals.getByAction(other.tenant_id, other.id);
    found.push({
      action_id: other.id,
      status: other.status,
      resolution: request?.resolution ?? null,
      summary: oneSentence(other),
      decided_at: other.decided_at === null ? null : new Date(other.decided_at).toISOString(),
      outcome:
        other.outcome === null ? null : `${other.outcome.status}${other.outcome.detail === undefined ? '' : `: ${other.outcome.detail}`}`,
    });
  }
  return found;
}
