// Server-wide settings shared by every node, such as the grant-signing secret.

import type { SettingsRepository } from '../store.js';
import type { RepositoryContext } from './context.js';

export function settingsRepository({ db }: RepositoryContext): SettingsRepository {
  return {
    async getOrCreate(key, value) {
      // DO NOTHING then read back: when two nodes start at once, both end up with the first value.
      await db
        .insertInto('settings')
        .values({ key, value })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirstOrThrow();
      return row.value;
    },

    async get(key) {
      return (await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst())?.value;
    },
    async put(key, value) {
      await db
        .insertInto('settings')
        .values({ key, value })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
        .execute();
    },
  };
}
