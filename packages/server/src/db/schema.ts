// The tables as Kysely sees them: one row type per table, in the shape both dialects return
// (JSON as text, booleans as 0/1, timestamps as ms numbers).

export interface TenantsTable {
  id: string;
  name: string;
  created_at: number;
}

export interface UsersTable {
  id: string;
  tenant_id: string;
  name: string;
  role: string;
  /** JSON array of group names. */
  groups: string;
  password_hash: string;
  out_of_office: number;
  created_at: number;
  disabled_at: number | null;
}

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  agent: string;
  key_hash: string;
  prefix: string;
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
  /** `agent` or `worker` (0011). */
  kind: string;
  /** JSON array of the capabilities a worker key serves; `[]` for agent keys (0011). */
  capabilities: string;
}

export interface SessionsTable {
  token_hash: string;
  tenant_id: string;
  user_id: string;
  created_at: number;
  expires_at: number;
}

/** Failed sign-ins of one name in its current window (0009). */
export interface SignInFailuresTable {
  tenant_id: string;
  name: string;
  failures: number;
  window_ends_at: number;
}

export interface ActionsTable {
  id: string;
  tenant_id: string;
  agent: string;
  action_type: string | null;
  environment: string | null;
  capability: string | null;
  /** JSON object. */
  payload: string;
  digest: string;
  idempotency_key: string | null;
  decision: string;
  status: string;
  /** JSON object. */
  evaluation: string;
  risk: string | null;
  autonomy_level: number | null;
  policy_version: string;
  revision_of: string | null;
  created_at: number;
  decided_at: number | null;
  /** JSON object or null. */
  outcome: string | null;
  /** The rule (or entry) whose contribution decided the action: core's `gateOf`. */
  gate: string | null;
  /** The standing approval that approved it at once, if one did. */
  standing_approval_id: string | null;
}

export interface ApprovalsTable {
  id: string;
  tenant_id: string;
  action_id: string;
  digest: string;
  policy_version: string;
  status: string;
  /** JSON array. */
  approvers: string;
  require: number;
  /** JSON array. */
  criteria: string;
  /** JSON object or null. */
  modifiable: string | null;
  workflow: string | null;
  requested_by: string;
  created_at: number;
  deadline: number | null;
  decided_at: number | null;
  resolution: string | null;
  version: number;
  /** JSON of the workflow state; null only for rows written before workflows. */
  state: string | null;
}

export interface ApprovalEventsTable {
  approval_id: string;
  seq: number;
  tenant_id: string;
  /** JSON of the workflow event. */
  event: string;
  at: number;
}

export interface JobsTable {
  id: string;
  tenant_id: string;
  approval_id: string | null;
  action_id: string;
  step_id: string;
  capability: string;
  /** 0/1: the job executes the approved action. */
  executes: number;
  /** JSON object. */
  input: string;
  status: string;
  attempts: number;
  max_attempts: number;
  worker: string | null;
  /** The key holding (or that last held) the lease (0011). */
  worker_key_id: string | null;
  lease_until: number | null;
  /** JSON or null. */
  output: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
}

export interface AgentsTable {
  tenant_id: string;
  name: string;
  level: number;
  level_since: number;
  clean_successes: number;
  version: number;
  created_at: number;
}

export interface AgentRecordsTable {
  tenant_id: string;
  agent: string;
  action_type: string;
  /** '' for actions without an environment. */
  environment: string;
  level: number;
  successes: number;
  failures: number;
  denials: number;
  reversals: number;
  flags: number;
  updated_at: number;
}

export interface ReviewsTable {
  action_id: string;
  tenant_id: string;
  status: string;
  reason: string;
  created_at: number;
  due_at: number | null;
  reviewer: string | null;
  note: string | null;
  decided_at: number | null;
  /** JSON of how the reversal went, or null. */
  reversal: string | null;
  version: number;
}

export interface AssignmentsTable {
  approval_id: string;
  step_id: string;
  user_id: string;
  tenant_id: string;
  assigned_at: number;
  closed_at: number | null;
}

export interface AssignmentLoadsTable {
  tenant_id: string;
  user_id: string;
  open_count: number;
}

export interface VotesTable {
  id: string;
  tenant_id: string;
  approval_id: string;
  step_id: string;
  user_id: string;
  verdict: string;
  note: string | null;
  /** JSON object or null. */
  modifications: string | null;
  created_at: number;
}

export interface GrantsTable {
  id: string;
  tenant_id: string;
  action_id: string;
  approval_id: string;
  digest: string;
  token_hash: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface StandingApprovalsTable {
  id: string;
  tenant_id: string;
  approval_id: string;
  agent: string;
  action_type: string;
  gate: string;
  approver_id: string;
  /** JSON list of conditions. */
  constraints: string;
  for_ms: number | null;
  uses: number | null;
  uses_left: number | null;
  expires_at: number | null;
  policy_version: string;
  created_at: number;
  revoked_at: number | null;
  revoked_by: string | null;
}

export interface AuditEventsTable {
  tenant_id: string;
  seq: number;
  id: string;
  type: string;
  actor: string;
  subject: string | null;
  /** JSON object. */
  data: string;
  created_at: number;
  prev_hash: string;
  hash: string;
}

export interface AuditHeadsTable {
  tenant_id: string;
  seq: number;
  hash: string;
}

/** A tenant's chain head as signed at one time (append-only). */
export interface AuditHeadSignaturesTable {
  tenant_id: string;
  seq: number;
  hash: string;
  signed_at: number;
  key_id: string;
  signature: string;
}

/** One settled day of a tenant's metrics. */
export interface MetricsDaysTable {
  tenant_id: string;
  /** Start of the UTC day, ms. */
  day: number;
  /** JSON of core's MetricsCells. */
  cells: string;
  created_at: number;
  /** The day's late changes (rows of metrics_day_changes) counted before it was built. */
  generation: number;
  /** The rollup's layout; rollups of another layout are rebuilt. */
  format: number;
}

/** One late change to a day's figures, written by triggers on approvals and reviews. */
export interface MetricsDayChangesTable {
  tenant_id: string;
  day: number;
}

/** One subject's day of hourly tallies (JSON of core's StoredDay). */
export interface MetricsSeriesTable {
  tenant_id: string;
  /** tenant, gate, agent or approver. */
  kind: string;
  subject: string;
  day: number;
  hours: string;
}

/** The shadow candidate (`shadow`) and the promoted policy (`promoted`), shared by every node. */
export interface TenantPoliciesTable {
  tenant_id: string;
  slot: string;
  version: string;
  /** JSON of the policy files. */
  files: string;
  /** JSON list of the policy file versions a promoted policy stands in for. */
  replaces: string;
  actor: string;
  created_at: number;
  source: string;
}

/** A version a tenant's policy has had: when it first and last went live, and from where. */
export interface PolicyVersionsTable {
  tenant_id: string;
  version: string;
  source: string;
  /** JSON of the policy files. */
  files: string;
  first_live_at: number;
  last_live_at: number;
}

/** A decision where the shadow policy disagreed with the live one. */
export interface ShadowDiffsTable {
  id: string;
  tenant_id: string;
  action_id: string;
  agent: string;
  action_type: string | null;
  environment: string | null;
  live_version: string;
  shadow_version: string;
  live_decision: string;
  shadow_decision: string;
  live_gate: string;
  shadow_gate: string;
  created_at: number;
}

export interface SettingsTable {
  key: string;
  value: string;
}

/** A message waiting for, or done with, delivery to a notification channel. */
export interface NotificationOutboxTable {
  id: string;
  tenant_id: string;
  approval_id: string | null;
  channel: string;
  channel_type: string;
  event: string;
  recipient: string | null;
  /** JSON object. */
  payload: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  last_error: string | null;
  /** JSON object or null. */
  result: string | null;
  created_at: number;
  updated_at: number;
  delivered_at: number | null;
}

/** A signed one-click approve or deny link sent by e-mail or Teams. */
export interface NotificationLinksTable {
  id: string;
  tenant_id: string;
  approval_id: string;
  user_id: string | null;
  verdict: string;
  digest: string;
  expires_at: number;
  used_at: number | null;
  created_at: number;
}

/** Who a person is elsewhere: a Slack user id or an e-mail address. */
export interface UserIdentitiesTable {
  tenant_id: string;
  kind: string;
  value: string;
  user_id: string;
  created_at: number;
}

/** A ticket a request opened in Jira or ServiceNow (0014). */
export interface NotificationTicketsTable {
  tenant_id: string;
  approval_id: string;
  channel: string;
  channel_type: string;
  /** What people call it: `OPS-123`, `CHG0030001`. */
  ticket_key: string;
  /** The vendor's own id, which callbacks name: a Jira issue id, a ServiceNow sys_id. */
  ticket_id: string;
  url: string | null;
  /** The action's digest as the ticket shows it: a vote from the ticket is a vote on this. */
  digest: string;
  created_at: number;
  updated_at: number;
}

/** An agent's question to people (0016). */
export interface QuestionsTable {
  tenant_id: string;
  id: string;
  agent: string;
  question: string;
  /** JSON array of strings, or null for a free-text question. */
  choices: string | null;
  multiple: number;
  free_text: number;
  /** JSON object. */
  context: string;
  urgency: string;
  status: string;
  /** JSON array of groups or people. */
  approvers: string;
  escalated: number;
  deadline: number | null;
  created_at: number;
  answered_at: number | null;
  /** JSON object: `{ choices, text }`. */
  answer: string | null;
  answered_by: string | null;
  version: number;
}

export interface Database {
  settings: SettingsTable;
  approval_events: ApprovalEventsTable;
  jobs: JobsTable;
  assignments: AssignmentsTable;
  assignment_loads: AssignmentLoadsTable;
  agents: AgentsTable;
  agent_records: AgentRecordsTable;
  reviews: ReviewsTable;
  tenants: TenantsTable;
  users: UsersTable;
  api_keys: ApiKeysTable;
  sessions: SessionsTable;
  sign_in_failures: SignInFailuresTable;
  actions: ActionsTable;
  approvals: ApprovalsTable;
  votes: VotesTable;
  grants: GrantsTable;
  standing_approvals: StandingApprovalsTable;
  audit_events: AuditEventsTable;
  audit_heads: AuditHeadsTable;
  audit_head_signatures: AuditHeadSignaturesTable;
  shadow_diffs: ShadowDiffsTable;
  metrics_days: MetricsDaysTable;
  metrics_day_changes: MetricsDayChangesTable;
  metrics_series: MetricsSeriesTable;
  tenant_policies: TenantPoliciesTable;
  policy_versions: PolicyVersionsTable;
  notification_outbox: NotificationOutboxTable;
  notification_links: NotificationLinksTable;
  user_identities: UserIdentitiesTable;
  notification_tickets: NotificationTicketsTable;
  questions: QuestionsTable;
}

export type Dialect = 'sqlite' | 'postgres';
