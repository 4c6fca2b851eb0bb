// The chain's hashes must never change: events written by earlier versions are verified with
// today's code. Sealing and verifying are checked against the definition on events of every shape.
import { canonicalJson } from '@tollgate/core';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH } from './store.js';
import { eventHash, seal, type UnsealedEvent } from './audit-seal.js';

/** The definition: SHA-256 over the previous hash, a newline and the canonical JSON of every other field. */
function definedHash(event: Record<string, unknown>): string {
  const { prev_hash, ...content } = event;
  return createHash('sha256')
    .update(`${String(prev_hash)}\n${canonicalJson(content)}`)
    .digest('hex');
}

const DATA: unknown[] = [
  {},
  { decision: 'ALLOW', digest: `sha256:${'a'.repeat(64)}`, reasons: ['r1', 'r2'], revision_of: null },
  { z: 1, a: { y: [1, 'two', null, { b: true, a: -0 }], x: 'é😀\u2028"\\' } },
  { nested: { undefinedField: undefined, n: 1.5e-7 } },
];

function events(): Array<Record<string, unknown>> {
  const found: Array<Record<string, unknown>> = [];
  DATA.forEach((data, i) => {
    const base = {
      tenant_id: `ten_${i}`,
      id: `aud_${i}`,
      type: 'action.decided',
      actor: i % 2 === 0 ? 'agent:bot' : 'user:usr_1',
      subject: i % 2 === 0 ? `act_${i}` : null,
      data,
      created_at: 1_764_000_000_000 + i,
    };
    found.push(base);
    // Shapes the store never writes still hash by the definition.
    found.push({ ...base, extra: 'field' });
    found.push({ ...base, subject: undefined });
    found.push({ ...base, created_at: '1764000000000' });
    const { data: _data, ...withoutData } = base;
    found.push(withoutData);
  });
  return found;
}

describe('audit seal', () => {
  it('hashes every event exactly as the definition says, when sealing and when verifying', () => {
    let head = { seq: 0, hash: GENESIS_HASH };
    for (const event of events()) {
      const [sealed] = seal(head, [event as unknown as UnsealedEvent]);
      expect(sealed!.seq).toBe(head.seq + 1);
      expect(sealed!.prev_hash).toBe(head.hash);
      const { hash, ...unhashed } = sealed!;
      expect(hash).toBe(definedHash(unhashed));
      expect(eventHash(unhashed)).toBe(hash);
      head = { seq: sealed!.seq, hash };
    }
  });

  it('keeps the hash of an event written before (a fixed vector)', () => {
    const event = {
      tenant_id: 'ten_default',
      seq: 7,
      id: 'aud_01',
      type: 'vote.cast',
      actor: 'user:usr_ann',
      subject: 'apr_01',
      data: { verdict: 'approve', step: 'review' },
      created_at: 1_700_000_000_000,
      prev_hash: GENESIS_HASH,
    };
    expect(eventHash(event)).toBe(definedHash(event));
    expect(eventHash(event)).toMatchInlineSnapshot(`"7a2b67028810405d5deca225e038340b96dc03e3e7041d51c171dc78de82d21e"`);
  });
});
