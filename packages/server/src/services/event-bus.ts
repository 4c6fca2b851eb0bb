// Live events inside one process (SSE streams and long-polling agents listen here). A
// multi-node deployment relays them between processes; see the PostgreSQL notifier.

import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { EventChannel } from '../db/postgres-events.js';

export type LiveEventType =
  | 'action.decided'
  | 'approval.requested'
  | 'approval.voted'
  | 'approval.decided'
  | 'approval.timed_out'
  | 'approval.escalated'
  | 'approval.reminder'
  | 'job.queued'
  | 'action.outcome'
  | 'policy.reloaded'
  | 'policy.shadow_changed'
  | 'question.asked'
  | 'question.answered'
  | 'question.escalated'
  | 'question.expired';

export interface LiveEvent {
  type: LiveEventType;
  tenant_id: string;
  action_id?: string;
  approval_id?: string;
  question_id?: string;
  status?: string;
  at: number;
  data?: Record<string, unknown>;
  /** Set on events heard from another server process. */
  remote?: boolean;
}

export class EventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Every SSE client and waiting agent is a listener; the default limit of 10 is far too low.
    this.emitter.setMaxListeners(0);
  }

  private outbound: ((event: LiveEvent) => void) | undefined;

  publish(event: LiveEvent): void {
    this.emitter.emit('event', event);
    this.outbound?.(event);
  }

  /**
   * Relays events to and from the other processes sharing `channel` (several nodes on one
   * PostgreSQL), so that an agent waiting on one node hears a vote cast on another.
   */
  async connect(channel: EventChannel): Promise<() => Promise<void>> {
    const node = randomUUID();
    const stop = await channel.subscribe((payload) => {
      let message: { node?: string; events?: LiveEvent[] };
      try {
        message = JSON.parse(payload) as { node?: string; events?: LiveEvent[] };
      } catch {
        return;
      }
      if (message.node === node || !Array.isArray(message.events)) return;
      for (const event of message.events) this.emitter.emit('event', { ...event, remote: true });
    });
    // Events of one tick travel together, so that a burst (a timer sweep) costs a few NOTIFYs, not
    // one each. Publishing is best effort: the database is the record; events only wake waiters.
    let queued: LiveEvent[] = [];
    const flush = (): void => {
      const events = queued;
      queued = [];
      for (const chunk of chunks(events)) void channel.publish(JSON.stringify({ node, events: chunk })).catch(() => undefined);
    };
    this.outbound = (event) => {
      if (queued.length === 0) setImmediate(flush);
      queued.push(event);
    };
    return async () => {
      this.outbound = undefined;
      await stop();
    };
  }

  /** Calls `listener` for every event of the tenant until the returned function is called. */
  subscribe(tenantId: string | undefined, listener: (event: LiveEvent) => void): () => void {
    const filtered = (event: LiveEvent): void => {
      if (tenantId === undefined || event.tenant_id === tenantId) listener(event);
    };
    this.emitter.on('event', filtered);
    return () => this.emitter.off('event', filtered);
  }

  /** Resolves with the first matching event, or undefined after `timeoutMs`. */
  waitFor(tenantId: string, match: (event: LiveEvent) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<LiveEvent | undefined> {
    return new Promise((resolve) => {
      if (signal?.aborted === true) {
        resolve(undefined);
        return;
      }
      let unsubscribe = (): void => {};
      const finish = (event: LiveEvent | undefined): void => {
        clearTimeout(timer);
        unsubscribe();
        signal?.removeEventListener('abort', onAbort);
        resolve(event);
      };
      const onAbort = (): void => finish(undefined);
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      unsubscribe = this.subscribe(tenantId, (event) => {
        if (match(event)) finish(event);
      });
      signal?.addEventListener('abort', onAbort);
    });
  }
}

/** Splits events into groups whose JSON stays well under PostgreSQL's NOTIFY limit. */
function chunks(events: LiveEvent[], limit = 6000): LiveEvent[][] {
  const groups: LiveEvent[][] = [];
  let group: LiveEvent[] = [];
  let size = 0;
  for (const event of events) {
    const length = JSON.stringify(event).length;
    if (group.length > 0 && size + length > limit) {
      groups.push(group);
      group = [];
      size = 0;
    }
    group.push(event);
    size += length;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}
