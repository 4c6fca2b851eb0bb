// Identifiers and secrets: sortable ids for records, random tokens for keys, sessions and grants.

import { hash, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

// Ids take their random bits from a pool filled in one call: asking for 10 bytes per id cost more
// than everything else in making one. Ids are not secrets (secrets below draw their own bytes).
const POOL_SIZE = 4096;
let pool = Buffer.alloc(0);
let poolOffset = POOL_SIZE;

function randomInto(bytes: Uint8Array, start: number): void {
  const count = bytes.length - start;
  if (poolOffset + count > pool.length) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  pool.copy(bytes, start, poolOffset, poolOffset + count);
  poolOffset += count;
}

/** `act_01hx…`: a time-ordered id (48-bit ms time + 80 random bits), so ids sort by creation. */
export function newId(prefix: string, now: number): string {
  const bytes = new Uint8Array(16);
  randomInto(bytes, 6);
  const time = Math.max(0, Math.floor(now));
  for (let i = 5; i >= 0; i--) bytes[5 - i] = Math.floor(time / 2 ** (8 * i)) & 0xff;
  return `${prefix}_${base32(bytes)}`;
}

/** A secret token with a readable prefix, e.g. `tg_key_…`. */
export function newSecret(prefix: string): string {
  return `${prefix}_${base32(randomBytes(32))}`;
}

/** Hex SHA-256 of `text`, one-shot (cheaper than a Hash object for the short texts hashed per decision). */
export function sha256(text: string): string {
  return hash('sha256', text, 'hex');
}
