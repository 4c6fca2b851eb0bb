// Failed sign-ins per name in a fixed window, counted in one statement so that guesses arriving
// at several nodes at once are each counted (none reads a count another is about to change).

import { sql } from 'kysely';
import type { SignInFailureRepository } from '../store.js';
import type { RepositoryContext } from './context.js';

export function signInFailureRepository({ db }: RepositoryContext): SignInFailureRepository {
  return {
    async count(tenantId, name, now, windowMs) {
      // A window that has ended starts over at this failure; one still open counts it.
      const open = sql<boolean>`sign_in_failures.window_ends_at > ${now}`;
      const row = await db
        .insertInto('sign_in_failures')
        .values({ tenant_id: tenantId, name, failures: 1, window_ends_at: now + windowMs })
        .onConflict((conflict) =>
          conflict.columns(['tenant_id', 'name']).doUpdateSet({
            failures: sql<number>`case when ${open} then sign_in_failures.failures + 1 else 1 end`,
            window_ends_at: sql<number>`case when ${open} then sign_in_failures.window_ends_at else ${now + windowMs} end`,
          }),
        )
        .returning(['failures', 'window_ends_at'])
        .executeTakeFirstOrThrow();
      return { failures: Number(row.failures), window_ends_at: Number(row.window_ends_at) };
    },

    async clear(tenantId, name) {
      await db.deleteFrom('sign_in_failures').where('tenant_id', '=', tenantId).where('name', '=', name).execute();
    },

    async deleteEnded(now) {
      const result = await db.deleteFrom('sign_in_failures').where('window_ends_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
