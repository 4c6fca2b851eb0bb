// The repositories a transaction's work is given. Writes that many transactions make to the same
// few rows wait for the commit: open counts and audit events, applied in one order (counts, then
// the tenant's audit head) so that concurrent transactions cannot deadlock and the most contended
// row is locked for the shortest time. A group commit also holds its action inserts until the
// next other statement (which may refer to them) or the commit, to write them together.

import type { StoreScope, TransactionOptions } from '../store.js';
import { HeldActions } from './actions.js';
import { LoadChanges, assignmentRepository } from './assignments.js';
import { bufferedAudit } from './audit-buffer.js';
import type { RepositoryContext } from './context.js';
import { createScope } from './scope.js';

export interface TransactionScope {
  scope: StoreScope;
  /** Writes what waited; call after the work, before committing. */
  finish(): Promise<void>;
}

export function transactionScope(context: RepositoryContext, options: TransactionOptions = {}): TransactionScope {
  const base = createScope(context);
  const loads = new LoadChanges();
  const audit = bufferedAudit(base.audit);
  const repositories = { ...base, assignments: assignmentRepository(context, loads), audit };
  const finishShared = async (): Promise<void> => {
    await loads.apply(context.db);
    await audit.flush();
  };
  if (options.holdActionInserts !== true) return { scope: repositories, finish: finishShared };

  const actions = new HeldActions(context.db);

  // Every call but an action insert first writes the held actions, so it sees them.
  const scope: Record<string, Record<string, unknown>> = {};
  for (const [name, repository] of Object.entries(repositories)) {
    scope[name] = Object.fromEntries(
      Object.entries(repository).map(([method, fn]) => [
        method,
        typeof fn !== 'function'
          ? fn
          : name === 'actions' && method === 'insert'
            ? async (...args: Parameters<StoreScope['actions']['insert']>) => actions.hold(...args)
            : async (...args: unknown[]) => {
                await actions.flush();
                return (fn as (...args: unknown[]) => unknown)(...args);
              },
      ]),
    );
  }

  return {
    scope: scope as unknown as StoreScope,
    async finish() {
      await actions.flush();
      await finishShared();
    },
  };
}
