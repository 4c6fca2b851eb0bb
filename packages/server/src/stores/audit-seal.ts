// How audit events are chained: each is numbered after the head of its tenant's chain and hashed
// over its predecessor's hash, so that any edited, removed or reordered event shows.

import { canonicalJson } from '@tollgate/core';
import type { AuditEvent } from './records.js';
import type { ChainHead } from './store.js';
import { sha256 } from '../util/ids.js';

/** An event before it takes its place in the chain. */
export type UnsealedEvent = Omit<AuditEvent, 'seq' | 'prev_hash' | 'hash'>;

export function eventHash(event: Omit<AuditEvent, 'hash'>): string {
  const { prev_hash, ...content } = event;
  return sha256(`${prev_hash}\n${canonicalJson(content)}`);
}

/** Numbers and hashes `events` to continue the chain from `head`. */
export function seal(head: ChainHead, events: UnsealedEvent[]): AuditEvent[] {
  let { seq, hash } = head;
  return events.map((event) => {
    seq += 1;
    const unhashed: Omit<AuditEvent, 'hash'> = { ...event, seq, prev_hash: hash };
    hash = eventHash(unhashed);
    return { ...unhashed, hash };
  });
}
