// A deterministic oversight history written straight through the store, in batched transactions:
// actions over many agents and rules, with the approval requests, votes and reviews they lead to.
import type { ActionRecord, ApprovalRecord, ReviewRecord, VoteRecord } from '../../../packages/server/src/stores/records.js';
import type { Store, StoreScope } from '../../../packages/server/src/stores/store.js';

export const TENANT = 'default';
const AGENTS = 50;
const GATES = 40;
const APPROVERS = 30;
const BATCH = 2000;

/** A small fast generator (mulberry32), so every run seeds the same history. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const id = (prefix: string, n: number): string => `${prefix}_${n.toString(36).padStart(10, '0')}`;

interface Rows {
  action: ActionRecord;
  approval?: ApprovalRecord;
  vote?: VoteRecord;
  review?: ReviewRecord;
}

/** The n-th action of the history, spread evenly over [since, until). */
function row(n: number, total: number, since: number, until: number, next: () => number): Rows {
  const at = since + Math.floor(((until - since) * n) / total);
  const agent = `agent-${n % AGENTS}`;
  const gate = `rule-${Math.floor(next() * GATES)}`;
  const draw = next();
  // 80% allowed, 5% reviewed, 12% approval requests, 3% denied.
  const decision = draw < 0.8 ? 'ALLOW' : draw < 0.85 ? 'REVIEW' : draw < 0.97 ? 'REQUIRE_APPROVAL' : 'DENY';
  const actionId = id('act', n);
  const action: ActionRecord = {
    id: actionId,
    tenant_id: TENANT,
    agent,
    action_type: 'refund',
    environment: 'production',
    capability: 'payment',
    payload: { agent, action_type: 'refund', environment: 'production', capability: 'payment', amount_usd: Math.floor(next() * 5000) },
    digest: `sha256:${actionId}`,
    idempotency_key: null,
    decision,
    status: decision === 'ALLOW' ? 'executed' : decision === 'REVIEW' ? 'executed' : decision === 'DENY' ? 'denied' : 'pending',
    evaluation: {
      decision,
      reasons: [{ kind: 'rule', name: gate, decision, reason: 'seeded', facts: [] }],
      missing: [],
      risk: null,
      policy_version: 'sha256:bench',
      autonomy_level: null,
    },
    risk: null,
    autonomy_level: null,
    policy_version: 'sha256:bench',
    revision_of: null,
    created_at: at,
    decided_at: at,
    outcome: null,
  };
  const rows: Rows = { action };
  if (decision === 'REVIEW') {
    const found = next();
    rows.review = {
      action_id: actionId,
      tenant_id: TENANT,
      status: found < 0.02 ? 'flagged' : found < 0.03 ? 'reversed' : 'ok',
      reason: gate,
      created_at: at,
      due_at: null,
      reviewer: null,
      note: null,
      decided_at: at + 3_600_000,
      reversal: null,
      version: 0,
    };
  }
  if (decision !== 'REQUIRE_APPROVAL') return rows;
  const outcome = next();
  // Requests still waiting are recent ones: older ones have timed out, as a policy's timeout makes them.
  const waiting = at >= until - 86_400_000;
  const status = outcome < 0.85 ? 'approved' : outcome < 0.9 ? 'denied' : outcome < 0.95 || !waiting ? 'timed_out' : 'pending';
  const waited = Math.floor(2_000 + next() * 1_800_000);
  const decidedAt = status === 'pending' ? null : at + waited;
  action.status = status === 'pending' ? 'pending' : status === 'approved' ? 'approved' : status === 'denied' ? 'denied' : 'timed_out';
  action.decided_at = decidedAt;
  rows.approval = {
    id: id('apr', n),
    tenant_id: TENANT,
    action_id: actionId,
    digest: action.digest,
    policy_version: 'sha256:bench',
    status,
    approvers: ['approvers'],
    require: 1,
    criteria: [],
    modifiable: null,
    workflow: null,
    requested_by: agent,
    created_at: at,
    deadline: null,
    decided_at: decidedAt,
    resolution: status === 'timed_out' ? 'timeout' : null,
    version: 0,
    state: null,
  };
  if (status === 'approved' || status === 'denied')
    rows.vote = {
      id: id('vot', n),
      tenant_id: TENANT,
      approval_id: rows.approval.id,
      step_id: 'approval',
      user_id: `user-${Math.floor(next() * APPROVERS)}`,
      verdict: status === 'approved' ? 'approve' : 'deny',
      note: next() < 0.1 ? 'checked' : null,
      modifications: null,
      created_at: decidedAt!,
    };
  return rows;
}

async function write(scope: StoreScope, rows: Rows[]): Promise<void> {
  for (const r of rows) await scope.actions.insert(r.action);
  for (const r of rows) if (r.approval !== undefined) await scope.approvals.insert(r.approval);
  for (const r of rows) if (r.vote !== undefined) await scope.votes.insert(r.vote);
  for (const r of rows) if (r.review !== undefined) await scope.reviews.insert(r.review);
}

/**
 * Writes actions [from, to) of a `total`-action history over [since, until), BATCH per transaction;
 * on PostgreSQL several transactions run at once, since each insert is a round trip.
 */
export async function seedHistory(
  store: Store,
  range: { from: number; to: number; total: number; since: number; until: number },
  onProgress: (done: number) => void,
): Promise<void> {
  const next = random(range.from + 1);
  const lanes = store.dialect === 'postgres' ? 4 : 1;
  let cursor = range.from;
  const lane = async (): Promise<void> => {
    while (cursor < range.to) {
      const start = cursor;
      const end = Math.min(start + BATCH, range.to);
      cursor = end;
      const rows: Rows[] = [];
      for (let n = start; n < end; n++) rows.push(row(n, range.total, range.since, range.until, next));
      await store.transaction((scope) => write(scope, rows));
      onProgress(end - range.from);
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
}
