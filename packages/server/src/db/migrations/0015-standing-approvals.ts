// Standing approvals: an approver's bounded yes for more of the same agent's actions of one type,
// inside stated constraints, for a time and/or a number of uses. `uses_left` is counted down by
// one conditional UPDATE per use, so concurrent uses on any number of servers never exceed it.

import type { Kysely } from 'kysely';

const MS = 'bigint';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('standing_approvals')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    // The request whose approving vote granted it; covered actions' grants name this request.
    .addColumn('approval_id', 'text', (c) => c.notNull().references('approvals.id'))
    .addColumn('agent', 'text', (c) => c.notNull())
    .addColumn('action_type', 'text', (c) => c.notNull())
    // The policy entry (route source) it was granted under: it covers only actions that entry gates.
    .addColumn('gate', 'text', (c) => c.notNull())
    .addColumn('approver_id', 'text', (c) => c.notNull())
    /** JSON list of conditions in the policy `match` form. */
    .addColumn('constraints', 'text', (c) => c.notNull())
    .addColumn('for_ms', MS)
    .addColumn('uses', 'integer')
    // Null when only time bounds it.
    .addColumn('uses_left', 'integer')
    .addColumn('expires_at', MS)
    .addColumn('policy_version', 'text', (c) => c.notNull())
    .addColumn('created_at', MS, (c) => c.notNull())
    .addColumn('revoked_at', MS)
    .addColumn('revoked_by', 'text')
    .addPrimaryKeyConstraint('standing_approvals_pkey', ['id'])
    .execute();
  await db.schema
    .createIndex('standing_approvals_agent_type')
    .on('standing_approvals')
    .columns(['tenant_id', 'agent', 'action_type', 'created_at'])
    .execute();
  await db.schema
    .createIndex('standing_approvals_tenant_created')
    .on('standing_approvals')
    .columns(['tenant_id', 'created_at', 'id'])
    .execute();
  // The standing approval that approved an action at once; null for every other action.
  await db.schema.alterTable('actions').addColumn('standing_approval_id', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('actions').dropColumn('standing_approval_id').execute();
  await db.schema.dropTable('standing_approvals').execute();
}
