// The storage interface the services use. Only implementations of it touch SQL; one
// implementation (Kysely) serves SQLite and PostgreSQL alike.

import type {
  AskingRows,
  CurrentFacts,
  MetricsCells,
  MetricsRows,
  PolicyFile,
  StoredDay,
  Subject,
  SubjectKind,
  WorkerRef,
} from '@tollgate/core';
import type {
  ActionRecord,
  ActionStatus,
  ApiKey,
  ApprovalEventRecord,
  ApprovalRecord,
  AgentClassRecord,
  AgentRecord,
  ApprovalStatus,
  AssignmentRecord,
  ReviewRecord,
  ReviewStatus,
  TrackEvent,
  JobRecord,
  AuditEvent,
  GrantRecord,
  Session,
  Tenant,
  User,
  VoteRecord,
  ShadowDiffRecord,
  StandingApprovalRecord,
  QuestionRecord,
  QuestionStatus,
} from './records.js';
import type { EventChannel } from '../db/postgres-events.js';
import type { NotificationLinkRepository, NotificationTicketRepository, OutboxRepository, UserIdentityRepository } from './notify-store.js';
import type { UnsealedEvent } from './audit-seal.js';

export interface Page {
  limit?: number;
  /** Opaque position from a previous page (e.g. the last id or seq seen). */
  after?: string | number;
}

export interface ActionFilter extends Page {
  status?: ActionStatus[];
  agent?: string;
  since?: number;
  action_type?: string;
  /** null: actions without an environment. */
  environment?: string | null;
  decision?: ActionRecord['decision'];
}

export interface ApprovalFilter extends Page {
  status?: ApprovalStatus[];
}

export interface TenantRepository {
  /** Creates the tenant if it does not exist. */
  ensure(tenant: Tenant): Promise<void>;
  get(id: string): Promise<Tenant | undefined>;
  list(): Promise<Tenant[]>;
}

export interface UserRepository {
  /** Throws StoreConflictError when the name is taken in the tenant. */
  insert(user: User): Promise<void>;
  get(tenantId: string, id: string): Promise<User | undefined>;
  findByName(tenantId: string, name: string): Promise<User | undefined>;
  list(tenantId: string): Promise<User[]>;
  update(
    tenantId: string,
    id: string,
    patch: Partial<Pick<User, 'role' | 'groups' | 'password_hash' | 'out_of_office' | 'disabled_at'>>,
  ): Promise<boolean>;
}

export interface ApiKeyRepository {
  insert(key: ApiKey): Promise<void>;
  /** Across tenants: the key itself says which tenant it belongs to. */
  findByHash(keyHash: string): Promise<ApiKey | undefined>;
  list(tenantId: string): Promise<ApiKey[]>;
  revoke(tenantId: string, id: string, at: number): Promise<boolean>;
  touch(id: string, at: number): Promise<void>;
}

export interface SessionRepository {
  insert(session: Session): Promise<void>;
  findByHash(tokenHash: string): Promise<Session | undefined>;
  delete(tokenHash: string): Promise<void>;
  /** Ends every session of one person (a new password signs them out everywhere). */
  deleteByUser(tenantId: string, userId: string): Promise<number>;
  deleteExpired(now: number): Promise<number>;
}

/** Failed sign-ins per name in fixed windows, shared by every node on the database. */
export interface SignInFailureRepository {
  /**
   * Counts one failure of `name` (lowercased by the caller) and answers the count in its window
   * with the time the window ends: a new window of `windowMs` when none is open.
   */
  count(tenantId: string, name: string, now: number, windowMs: number): Promise<{ failures: number; window_ends_at: number }>;
  /** Forgets the failures of a name (it signed in). */
  clear(tenantId: string, name: string): Promise<void>;
  /** Deletes the windows that have ended; answers how many. */
  deleteEnded(now: number): Promise<number>;
}

/** What moving an action from one status to another may change. */
export type ActionPatch = Partial<Pick<ActionRecord, 'status' | 'decided_at' | 'outcome'>>;

export interface ActionRepository {
  /** Throws StoreConflictError when (tenant, agent, idempotency_key) exists. */
  insert(action: ActionRecord): Promise<void>;
  get(tenantId: string, id: string): Promise<ActionRecord | undefined>;
  findByIdempotencyKey(tenantId: string, agent: string, key: string): Promise<ActionRecord | undefined>;
  /**
   * The newest action of `agent` with `digest` that a retry of it may take over: still pending,
   * or approved with a grant that is neither used nor expired at `now`.
   */
  findOpenByDigest(tenantId: string, agent: string, digest: string, now: number): Promise<ActionRecord | undefined>;
  /** Applies the patch only when the current status is one of `from`; false otherwise. */
  transition(tenantId: string, id: string, from: ActionStatus[], patch: ActionPatch): Promise<boolean>;
  /** The same for many actions in one statement; answers how many were in a status of `from`. */
  transitionMany(tenantId: string, ids: readonly string[], from: ActionStatus[], patch: ActionPatch): Promise<number>;
  list(tenantId: string, filter?: ActionFilter): Promise<ActionRecord[]>;
  count(tenantId: string, filter?: Omit<ActionFilter, 'limit' | 'after'>): Promise<number>;
}

export interface ApprovalRepository {
  insert(approval: ApprovalRecord): Promise<void>;
  get(tenantId: string, id: string): Promise<ApprovalRecord | undefined>;
  getByAction(tenantId: string, actionId: string): Promise<ApprovalRecord | undefined>;
  list(tenantId: string, filter?: ApprovalFilter): Promise<ApprovalRecord[]>;
  /** Optimistic update: applies only when `version` still matches, and bumps it. */
  update(
    tenantId: string,
    id: string,
    version: number,
    patch: Partial<Pick<ApprovalRecord, 'status' | 'decided_at' | 'resolution' | 'deadline' | 'approvers' | 'digest' | 'state'>>,
  ): Promise<boolean>;
  /** Pending approvals whose deadline has passed, locked for this transaction where the database can. */
  claimDue(now: number, limit: number): Promise<ApprovalRecord[]>;
}

export interface ApprovalEventRepository {
  /** Throws StoreConflictError when the (approval, seq) slot is taken: another writer got there first. */
  append(event: ApprovalEventRecord): Promise<void>;
  list(tenantId: string, approvalId: string): Promise<ApprovalEventRecord[]>;
}

export interface AgentRepository {
  get(tenantId: string, name: string): Promise<AgentRecord | undefined>;
  /** Creates the agent's row unless it exists. */
  ensure(agent: AgentRecord): Promise<void>;
  /** Optimistic update at `version`, bumping it. */
  update(
    tenantId: string,
    name: string,
    version: number,
    patch: Partial<Pick<AgentRecord, 'level' | 'level_since' | 'clean_successes'>>,
  ): Promise<boolean>;
  list(tenantId: string): Promise<AgentRecord[]>;
}

export interface AgentRecordRepository {
  /** Adds one to a counter of the agent's record for that action class and level. */
  count(
    key: { tenantId: string; agent: string; actionType: string; environment: string | null; level: number },
    event: TrackEvent,
    now: number,
  ): Promise<void>;
  list(tenantId: string, agent: string): Promise<AgentClassRecord[]>;
  /** Whether the agent has ever succeeded at this action class (at any level). */
  hasSucceeded(tenantId: string, agent: string, actionType: string, environment: string | null): Promise<boolean>;
}

export interface ReviewRepository {
  insert(review: ReviewRecord): Promise<void>;
  get(tenantId: string, actionId: string): Promise<ReviewRecord | undefined>;
  /** Oldest first: the queue. */
  list(tenantId: string, filter?: { status?: ReviewStatus[]; limit?: number }): Promise<ReviewRecord[]>;
  update(
    tenantId: string,
    actionId: string,
    version: number,
    patch: Partial<Pick<ReviewRecord, 'status' | 'reviewer' | 'note' | 'decided_at' | 'reversal'>>,
  ): Promise<boolean>;
}

export interface AssignmentRepository {
  /** Adds assignments; one already there is left as it is. */
  add(assignments: AssignmentRecord[]): Promise<void>;
  /** How many open assignments each of these people has: their current load. */
  openCounts(tenantId: string, userIds: string[]): Promise<Map<string, number>>;
  listByApproval(tenantId: string, approvalId: string): Promise<AssignmentRecord[]>;
  /** Ids of requests with an open assignment for the person, newest first. */
  openApprovalIds(tenantId: string, userId: string, limit: number): Promise<string[]>;
  /** Closes the open assignments of a request (of one stage, and of one person, when given). */
  close(tenantId: string, approvalId: string, stepId: string | null, at: number, userId?: string): Promise<void>;
  /** The same for the open assignments of many requests (of one stage each, when given) in one statement. */
  closeMany(tenantId: string, approvalIds: readonly string[], stepId: string | null, at: number): Promise<void>;
}

export interface JobRepository {
  /** Throws StoreConflictError when the step already has a job. */
  insert(job: JobRecord): Promise<void>;
  get(tenantId: string, id: string): Promise<JobRecord | undefined>;
  listByApproval(tenantId: string, approvalId: string): Promise<JobRecord[]>;
  /**
   * Leases the oldest job of the capability that is queued, or whose lease ran out (a lost
   * worker), to `worker` until `leaseUntil`, counting the attempt. Jobs of actions an agent of the
   * worker's name requested are passed over: a requester never does its own request's jobs.
   * Locked (SKIP LOCKED) so two workers never get the same job.
   */
  claimNext(tenantId: string, capability: string, worker: WorkerRef, now: number, leaseUntil: number): Promise<JobRecord | undefined>;
  /** Extends the lease only while `worker` (that name with that key) still holds it (on that attempt, when given). */
  heartbeat(tenantId: string, id: string, worker: WorkerRef, now: number, leaseUntil: number, attempt?: number): Promise<boolean>;
  /** Moves a job `worker` leases (unexpired) to `status`; false when it no longer holds it. */
  settle(
    tenantId: string,
    id: string,
    worker: WorkerRef,
    now: number,
    patch: { status: 'completed' | 'failed' | 'queued'; output?: unknown; error?: string | null },
    attempt?: number,
  ): Promise<boolean>;
  /** Cancels the request's jobs that are not finished (its workflow ended). */
  cancelOpen(tenantId: string, approvalId: string, now: number): Promise<number>;
}

export interface VoteRepository {
  /** Throws StoreConflictError when the user already voted on that step of that approval. */
  insert(vote: VoteRecord): Promise<void>;
  listByApproval(tenantId: string, approvalId: string): Promise<VoteRecord[]>;
}

export interface GrantRepository {
  insert(grant: GrantRecord): Promise<void>;
  findByTokenHash(tenantId: string, tokenHash: string): Promise<GrantRecord | undefined>;
  getByAction(tenantId: string, actionId: string): Promise<GrantRecord | undefined>;
  /** Marks the grant used only if it is unused; false when it was used already. */
  markUsed(tenantId: string, id: string, at: number): Promise<boolean>;
}

export interface StandingApprovalFilter extends Page {
  /** Only those that can still cover an action at `now`: not revoked, not expired, uses left. */
  active_at?: number;
  agent?: string;
}

export interface StandingApprovalRepository {
  insert(standing: StandingApprovalRecord): Promise<void>;
  get(tenantId: string, id: string): Promise<StandingApprovalRecord | undefined>;
  /** Newest first; `after` is the id of the last one seen. */
  list(tenantId: string, filter?: StandingApprovalFilter): Promise<StandingApprovalRecord[]>;
  /** Those that may cover this agent's action of this type at `now`, newest first. */
  candidates(tenantId: string, agent: string, actionType: string, now: number): Promise<StandingApprovalRecord[]>;
  /**
   * Takes one use, in one conditional UPDATE: only while it is not revoked, not expired and has a
   * use left. False when another use (on any server) took the last one, or it ended.
   */
  use(tenantId: string, id: string, now: number): Promise<boolean>;
  /** Ends it; false when it was revoked already or does not exist. */
  revoke(tenantId: string, id: string, at: number, by: string): Promise<boolean>;
}

export interface ChainHead {
  seq: number;
  hash: string;
}

export interface AuditRepository {
  /** The tenant's chain head, locked until the transaction ends (seq 0 and the genesis hash for a new chain). */
  lockHead(tenantId: string): Promise<ChainHead>;
  /** Inserts events (already numbered and hashed) and moves the head to the last of them. */
  append(tenantId: string, events: AuditEvent[]): Promise<void>;
  /**
   * Numbers and hashes events onto the tenant's chain and appends them. Inside a transaction they
   * are held until it commits, so the head is locked only for the commit.
   */
  appendUnsealed(tenantId: string, events: UnsealedEvent[]): Promise<void>;
  head(tenantId: string): Promise<ChainHead>;
  /** Events in seq order after `afterSeq`. */
  list(tenantId: string, options?: { afterSeq?: number; limit?: number; type?: string; subject?: string }): Promise<AuditEvent[]>;
  count(tenantId: string): Promise<number>;
}

export interface SettingsRepository {
  /** The stored value, storing `value` first when the key has none (race-safe across processes). */
  getOrCreate(key: string, value: string): Promise<string>;
  /** The stored value, without storing one: for commands that must not write. */
  get(key: string): Promise<string | undefined>;
  /** Stores `value` under `key`, replacing what was there. */
  put(key: string, value: string): Promise<void>;
}

/** A tenant's chain head as the server signed it (`signed_at` in ms; the signature covers its ISO form). */
export interface AuditHeadSignature {
  tenant_id: string;
  seq: number;
  hash: string;
  signed_at: number;
  key_id: string;
  signature: string;
}

/** Signed chain heads: written once each, never changed (what is stored here is evidence). */
export interface AuditSignatureRepository {
  /** Every tenant's chain head as it stands. */
  chainHeads(): Promise<({ tenant_id: string } & ChainHead)[]>;
  /** Stores a signed head; false when that head (tenant, seq) was signed already, by this node or another. */
  insert(signature: AuditHeadSignature): Promise<boolean>;
  /** The signed head with the highest seq. */
  latest(tenantId: string): Promise<AuditHeadSignature | undefined>;
  /** Signed heads in seq order after `afterSeq`. */
  list(tenantId: string, options?: { afterSeq?: number; limit?: number }): Promise<AuditHeadSignature[]>;
}

/** [from, to) in ms. */
export interface TimeRange {
  from: number;
  to: number;
}

/** A day folded for storage: the cells metrics read, and each subject's hourly tallies. */
export interface DayRollup {
  cells: MetricsCells;
  series: { kind: SubjectKind; subject: string; hours: StoredDay }[];
}

export interface MetricsRepository {
  /**
   * Approval requests and votes created in the range (votes with the finding of a review of their
   * action), action counts by agent, decision and hour, and the findings of reviews of actions
   * created in the range.
   */
  rows(tenantId: string, range: TimeRange): Promise<MetricsRows>;
  /** What is measured as it stands: waiting requests, open assignments, levels, names. */
  current(tenantId: string): Promise<CurrentFacts>;
  /**
   * Questions asked in the range (as they stand now), how many actions created in it a standing
   * approval covered, and the standing approvals granted in it with the actions each has covered so far.
   */
  asking(tenantId: string, range: TimeRange): Promise<AskingRows>;
  /**
   * Stored rollups of days starting in the range that are current: built in `format`, and no late
   * change to the day logged since.
   */
  days(tenantId: string, range: TimeRange, format: number): Promise<{ day: number; cells: MetricsCells }[]>;
  /** The days starting in the range whose rollup is current, as `days` decides, without reading them. */
  currentDays(tenantId: string, range: TimeRange, format: number): Promise<number[]>;
  /**
   * The days starting in the range whose rollup is current (as `days` decides), each with the
   * subject's stored hourly tallies, or null when the subject did nothing that day; read at once,
   * so a rollup rebuilt meanwhile is seen whole or not at all.
   */
  series(tenantId: string, subject: Subject, range: TimeRange, format: number): Promise<{ day: number; hours: StoredDay | null }[]>;
  /** The tenants, each with the time of its first action (undefined without any). */
  activity(): Promise<{ tenant_id: string; first: number | undefined }[]>;
  /**
   * Rolls one day up: counts the day's late changes, reads its rows, folds them with `fold` and
   * stores the result with that count, replacing an older rollup. Call it on the store, not in a
   * transaction. On PostgreSQL it claims the day first (an advisory lock for its transaction):
   * `busy` while another process holds it, `current` when another process has just built it.
   */
  rollUp(
    tenantId: string,
    day: number,
    format: number,
    fold: (rows: MetricsRows) => DayRollup,
    now: number,
  ): Promise<'built' | 'busy' | 'current'>;
  /** Drops the tenant's rollups and change log of days before `before`. */
  prune(tenantId: string, before: number): Promise<void>;
}

/** A policy kept in the database for one tenant: its shadow candidate, or one promoted (or pushed) over its policy files. */
export interface StoredPolicy {
  tenant_id: string;
  slot: 'shadow' | 'promoted';
  version: string;
  files: PolicyFile[];
  /** For a promoted policy: the versions of policy files it stands in for (it stays live while the files hold one). */
  replaces: string[];
  /** Who stored it (an audit actor; `system` when set at start from `--shadow`). */
  actor: string;
  created_at: number;
  /** For the promoted slot: from a shadow, or pushed (made live at once); `promoted` when not given. */
  source?: 'promoted' | 'pushed';
}

/** Where a version of a tenant's live policy came from. */
export type PolicyVersionSource = 'files' | 'promoted' | 'pushed' | 'starter';

export interface PolicyVersionEntry {
  version: string;
  source: PolicyVersionSource;
  first_live_at: number;
  last_live_at: number;
}

export interface TenantPolicyRepository {
  get(tenantId: string, slot: StoredPolicy['slot']): Promise<StoredPolicy | undefined>;
  /** What every tenant has stored, without the files: what a node compares to what it runs. */
  heads(): Promise<Pick<StoredPolicy, 'tenant_id' | 'slot' | 'version' | 'created_at'>[]>;
  /** Stores a policy in its tenant's slot, replacing what was there. */
  put(policy: StoredPolicy): Promise<void>;
  /** Empties a slot; false when it was empty. */
  delete(tenantId: string, slot: StoredPolicy['slot']): Promise<boolean>;
  /** Notes that `version` is live for the tenant; true when the tenant never had it before. */
  recordVersion(tenantId: string, version: string, source: PolicyVersionSource, files: PolicyFile[], now: number): Promise<boolean>;
  /** The tenant's versions, the newest first. */
  versions(tenantId: string, limit: number): Promise<PolicyVersionEntry[]>;
}

/** How many decisions moved from one (decision, gate) to another under the shadow policy. */
export interface ShadowDiffCount {
  live_decision: string;
  shadow_decision: string;
  live_gate: string;
  shadow_gate: string;
  count: number;
}

export interface ShadowDiffRepository {
  insert(diffs: ShadowDiffRecord[]): Promise<void>;
  /** Differences recorded for one shadow version since `since`, grouped. */
  counts(tenantId: string, shadowVersion: string, since: number): Promise<ShadowDiffCount[]>;
  /** The latest differences, newest first. */
  list(tenantId: string, shadowVersion: string, options: { since: number; limit: number }): Promise<ShadowDiffRecord[]>;
}

export interface QuestionRepository {
  /** Throws StoreConflictError when the id is taken. */
  insert(question: QuestionRecord): Promise<void>;
  get(tenantId: string, id: string): Promise<QuestionRecord | undefined>;
  /** Newest first; `after` is the id of the last question of the previous page. */
  list(tenantId: string, filter?: Page & { status?: QuestionStatus[] }): Promise<QuestionRecord[]>;
  /** Optimistic update: applies only while the question is pending at `version`, and bumps it. */
  update(
    tenantId: string,
    id: string,
    version: number,
    patch: Partial<Pick<QuestionRecord, 'status' | 'approvers' | 'escalated' | 'deadline' | 'answered_at' | 'answer' | 'answered_by'>>,
  ): Promise<boolean>;
  /** Pending questions of every tenant whose deadline is at or before `now`, oldest deadline first. */
  due(now: number, limit: number): Promise<QuestionRecord[]>;
}

/** Repositories bound to one transaction (or to the database outside one). */
export interface StoreScope {
  settings: SettingsRepository;
  tenants: TenantRepository;
  users: UserRepository;
  keys: ApiKeyRepository;
  sessions: SessionRepository;
  signInFailures: SignInFailureRepository;
  actions: ActionRepository;
  approvals: ApprovalRepository;
  approvalEvents: ApprovalEventRepository;
  jobs: JobRepository;
  assignments: AssignmentRepository;
  agents: AgentRepository;
  agentRecords: AgentRecordRepository;
  reviews: ReviewRepository;
  votes: VoteRepository;
  grants: GrantRepository;
  standingApprovals: StandingApprovalRepository;
  audit: AuditRepository;
  auditSignatures: AuditSignatureRepository;
  metrics: MetricsRepository;
  shadowDiffs: ShadowDiffRepository;
  tenantPolicies: TenantPolicyRepository;
  outbox: OutboxRepository;
  notificationLinks: NotificationLinkRepository;
  identities: UserIdentityRepository;
  tickets: NotificationTicketRepository;
  questions: QuestionRepository;
}

export interface TransactionOptions {
  /**
   * Hold the inserts of new records (actions, reviews, new approval requests with their first
   * events and assignments) and the events logged for requests the transaction updates, and write
   * them together, by the next statement that may read them or the commit. A repeated key then
   * fails the whole transaction instead of its insert, so only work that never catches that
   * conflict (a group commit, retried write by write; a timer sweep) may ask.
   */
  holdInserts?: boolean;
}

export interface Store extends StoreScope {
  readonly dialect: 'sqlite' | 'postgres';
  /** Events between the server processes sharing this database; absent for an embedded database. */
  readonly events: EventChannel | undefined;
  /** Brings the schema up to date; safe to run concurrently from several processes. */
  migrate(): Promise<void>;
  /** Runs `work` in one transaction; on PostgreSQL, retries it on serialization failures. */
  transaction<T>(work: (scope: StoreScope) => Promise<T>, options?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
}

/** A uniqueness or state conflict the caller should report as 409. */
export class StoreConflictError extends Error {
  readonly code = 'store.conflict';
  constructor(
    message: string,
    readonly constraint?: string,
  ) {
    super(message);
    this.name = 'StoreConflictError';
  }
}

/** The genesis hash every tenant's chain starts from. */
export const GENESIS_HASH = '0'.repeat(64);
