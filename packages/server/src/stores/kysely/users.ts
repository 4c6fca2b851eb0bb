// Users (approvers, admins, auditors) of a tenant, with their groups.

import type { Selectable, Updateable } from 'kysely';
import type { UsersTable } from '../../db/schema.js';
import type { Role, User } from '../records.js';
import type { UserRepository } from '../store.js';
import { fromJson, toJson, type RepositoryContext } from './context.js';
import { insertOnce } from './insert-once.js';

function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    name: row.name,
    role: row.role as Role,
    groups: fromJson<string[]>(row.groups),
    password_hash: row.password_hash,
    out_of_office: row.out_of_office !== 0,
    created_at: row.created_at,
    disabled_at: row.disabled_at,
  };
}

export function userRepository({ db }: RepositoryContext): UserRepository {
  const list = async (tenantId: string): Promise<User[]> => {
    const rows = await db.selectFrom('users').selectAll().where('tenant_id', '=', tenantId).orderBy('name').orderBy('id').execute();
    return rows.map(toUser);
  };

  return {
    async insert(user) {
      await insertOnce(
        db,
        'users',
        {
          id: user.id,
          tenant_id: user.tenant_id,
          name: user.name,
          role: user.role,
          groups: toJson(user.groups),
          password_hash: user.password_hash,
          out_of_office: user.out_of_office ? 1 : 0,
          created_at: user.created_at,
          disabled_at: user.disabled_at,
        },
        [
          { constraint: 'users_tenant_id_name_key', columns: ['tenant_id', 'name'] },
          { constraint: 'users_pkey', columns: ['id'] },
        ],
      );
    },

    async get(tenantId, id) {
      const row = await db.selectFrom('users').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return row && toUser(row);
    },

    async findByName(tenantId, name) {
      const row = await db.selectFrom('users').selectAll().where('tenant_id', '=', tenantId).where('name', '=', name).executeTakeFirst();
      return row && toUser(row);
    },

    list,

    async listByGroups(tenantId, groups) {
      // Groups are a JSON list whose querying differs by dialect; a tenant's users are few enough
      // to filter here.
      if (groups.length === 0) return [];
      const wanted = new Set(groups);
      const users = await list(tenantId);
      return users.filter((user) => user.groups.some((group) => wanted.has(group)));
    },

    async update(tenantId, id, patch) {
      const set: Updateable<UsersTable> = {};
      if (patch.role !== undefined) set.role = patch.role;
      if (patch.groups !== undefined) set.groups = toJson(patch.groups);
      if (patch.password_hash !== undefined) set.password_hash = patch.password_hash;
      if (patch.out_of_office !== undefined) set.out_of_office = patch.out_of_office ? 1 : 0;
      if (patch.disabled_at !== undefined) set.disabled_at = patch.disabled_at;
      const query = db.updateTable('users').where('tenant_id', '=', tenantId).where('id', '=', id);
      // An empty patch still reports whether the user exists.
      const result = await (
        Object.keys(set).length === 0 ? query.set((eb) => ({ role: eb.ref('role') })) : query.set(set)
      ).executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
  };
}
