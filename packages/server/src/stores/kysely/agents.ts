// Agents' autonomy levels and their track records per action class.

import { sql } from 'kysely';
import type { AgentClassRecord } from '../records.js';
import type { AgentRecordRepository, AgentRepository } from '../store.js';
import type { RepositoryContext } from './context.js';

export function agentRepository({ db }: RepositoryContext): AgentRepository {
  return {
    async get(tenantId, name) {
      return db.selectFrom('agents').selectAll().where('tenant_id', '=', tenantId).where('name', '=', name).executeTakeFirst();
    },

    async ensure(agent) {
      await db
        .insertInto('agents')
        .values(agent)
        .onConflict((oc) => oc.columns(['tenant_id', 'name']).doNothing())
        .execute();
    },

    async update(tenantId, name, version, patch) {
      const result = await db
        .updateTable('agents')
        .set({ ...patch, version: version + 1 })
        .where('tenant_id', '=', tenantId)
        .where('name', '=', name)
        .where('version', '=', version)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async list(tenantId) {
      return db.selectFrom('agents').selectAll().where('tenant_id', '=', tenantId).orderBy('name').execute();
    },
  };
}

/** Actions without an environment are kept under '' (part of the key, so never null). */
const NO_ENVIRONMENT = '';

export function agentRecordRepository({ db }: RepositoryContext): AgentRecordRepository {
  return {
    async count(key, event, now) {
      const row = {
        tenant_id: key.tenantId,
        agent: key.agent,
        action_type: key.actionType,
        environment: key.environment ?? NO_ENVIRONMENT,
        level: key.level,
        successes: 0,
        failures: 0,
        denials: 0,
        reversals: 0,
        flags: 0,
        updated_at: now,
      };
      row[event] = 1;
      await db
        .insertInto('agent_records')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'agent', 'action_type', 'environment', 'level']).doUpdateSet({
            [event]: sql`${sql.ref(`agent_records.${event}`)} + 1`,
            updated_at: now,
          }),
        )
        .execute();
    },

    async list(tenantId, agent) {
      const rows = await db
        .selectFrom('agent_records')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('agent', '=', agent)
        .orderBy('action_type')
        .orderBy('environment')
        .orderBy('level')
        .execute();
      return rows.map((row): AgentClassRecord => ({ ...row, environment: row.environment === NO_ENVIRONMENT ? null : row.environment }));
    },

    async hasSucceeded(tenantId, agent, actionType, environment) {
      const row = await db
        .selectFrom('agent_records')
        .select('successes')
        .where('tenant_id', '=', tenantId)
        .where('agent', '=', agent)
        .where('action_type', '=', actionType)
        .where('environment', '=', environment ?? NO_ENVIRONMENT)
        .where('successes', '>', 0)
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}
