// The writes a timer sweep defers to the end of its batch (see SweepWrites).

import type { ActionStatus } from '../stores/records.js';
import type { ActionPatch, StoreScope } from '../stores/store.js';

/**
 * Writes a sweep batch makes for every request it ends, made at the end of the batch in one
 * statement per kind instead of one each: moving the requests' actions (timed out, denied, or
 * approved by a timeout) and closing their assignments. Any other use of those two repositories
 * first makes the writes waiting (an escalation closes a stage's assignments and then adds new
 * ones for it; routing reads people's open counts), so every read sees them.
 */
export class SweepWrites {
  readonly scope: StoreScope;
  private readonly moves = new Map<string, { tenantId: string; ids: string[]; from: ActionStatus[]; patch: ActionPatch }>();
  private readonly closes = new Map<string, { tenantId: string; approvalIds: string[]; stepId: string | null; at: number }>();

  constructor(private readonly inner: StoreScope) {
    const actions = this.writingFirst(inner.actions);
    actions.transition = async (tenantId, id, from, patch) => {
      const key = JSON.stringify([tenantId, from, patch]);
      let move = this.moves.get(key);
      if (move === undefined) this.moves.set(key, (move = { tenantId, ids: [], from, patch }));
      move.ids.push(id);
      // The result is not read on a sweep's paths; the move itself is checked as before (from `from`).
      return true;
    };
    const assignments = this.writingFirst(inner.assignments);
    const closeNow = assignments.close;
    assignments.close = async (tenantId, approvalId, stepId, at, userId) => {
      // One person's seat (a delegation) is not what a sweep ends: closed at once, as before.
      if (userId !== undefined) return closeNow(tenantId, approvalId, stepId, at, userId);
      const key = JSON.stringify([tenantId, stepId, at]);
      let close = this.closes.get(key);
      if (close === undefined) this.closes.set(key, (close = { tenantId, approvalIds: [], stepId, at }));
      close.approvalIds.push(approvalId);
    };
    this.scope = { ...inner, actions, assignments };
  }

  /** Makes the writes waiting. */
  async apply(): Promise<void> {
    const moves = [...this.moves.values()];
    const closes = [...this.closes.values()];
    this.moves.clear();
    this.closes.clear();
    for (const { tenantId, ids, from, patch } of moves) await this.inner.actions.transitionMany(tenantId, ids, from, patch);
    for (const { tenantId, approvalIds, stepId, at } of closes) await this.inner.assignments.closeMany(tenantId, approvalIds, stepId, at);
  }

  /** The repository with every method making the waiting writes first. */
  private writingFirst<Repository extends object>(repository: Repository): Repository {
    const wrapped: Record<string, unknown> = {};
    for (const [name, method] of Object.entries(repository)) {
      wrapped[name] =
        typeof method === 'function'
          ? async (...args: unknown[]) => {
              await this.apply();
              return (method as (...args: unknown[]) => unknown)(...args);
            }
          : method;
    }
    return wrapped as Repository;
  }
}
