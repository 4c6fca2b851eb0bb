// Users (approvers, admins, auditors) of a tenant, with their groups.

import type { Selectable, Updateable } from 'kysely';
import type { UsersTable } from '../../db/schema.js';
import type { Role, User } from '../records.js';
import type { UserRepository } from '../store.js';
import { fromJson, toJson, type RepositoryContext } from './context.js';
import { insertOnce } from './insert-once.js';
import { prepared } from './prepared.js';

// Routing reads a tenant's people for every new approval request.
const selectAll = prepared('users of tenant', (db, p) =>
  db.selectFrom('users').selectAll().where('tenant_id', '=', p(0)).orderBy('name').orderBy('id'),
);
const selectById = prepared('user by id', (db, p) =>
  db.selectFrom('users').selectAll().where('tenant_id', '=', p(0)).where('id', '=', p(1)),
);
const selectByName = prepared('user by name', (db, p) =>
  db.selectFrom('users').selectAll().where('tenant_id', '=', p(0)).where('name', '=', p(1)),
);

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
      const [row] = (await selectById(db, tenantId, id)).rows;
      return row && toUser(row);
    },

    async findByName(tenantId, name) {
      const [row] = (await selectByName(db, tenantId, name)).rows;
      return row && toUser(row);
    },

    async list(tenantId) {
      return (await selectAll(db, tenantId)).rows.map(toUser);
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
