// Signed chain heads: a known key's signature verifies; any changed field, another key, or a
// reused key id with another key's signature is refused; published lines are read strictly.

import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkSignature,
  newSigningKeyPem,
  parseSignedHead,
  signHead,
  signingKeyFromPem,
  toSignatureRow,
  toSignedHead,
  verifyKeyFromPem,
} from './audit-signing.js';

const HEAD = { seq: 42, hash: 'ab'.repeat(32) };
const NOW = Date.UTC(2026, 11, 8, 1, 2, 3);

describe('audit head signatures', () => {
  const key = signingKeyFromPem(newSigningKeyPem());
  const other = signingKeyFromPem(newSigningKeyPem());

  it('verifies with the signing key and with its exported public key alone', () => {
    const signed = signHead(key, 'acme', HEAD, NOW);
    expect(signed).toMatchObject({ tenant: 'acme', seq: 42, hash: HEAD.hash, signed_at: '2026-12-08T01:02:03.000Z', key_id: key.keyId });
    expect(checkSignature(signed, [key])).toBe('ok');
    expect(checkSignature(signed, [other, verifyKeyFromPem(key.pem)])).toBe('ok');
  });

  it('names keys by a hash of the public key: stable, and different per key', () => {
    expect(key.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(verifyKeyFromPem(key.pem).keyId).toBe(key.keyId);
    expect(other.keyId).not.toBe(key.keyId);
  });

  it.each([
    ['tenant', { tenant: 'globex' }],
    ['seq', { seq: 41 }],
    ['hash', { hash: 'cd'.repeat(32) }],
    ['signed_at', { signed_at: '2026-12-08T01:02:04.000Z' }],
  ])('refuses a head whose %s was changed after signing', (_field, change) => {
    const signed = signHead(key, 'acme', HEAD, NOW);
    expect(checkSignature({ ...signed, ...change }, [key])).toBe('bad_signature');
  });

  it('refuses a signature by a key it does not know, and another key signing under a known key id', () => {
    const byOther = signHead(other, 'acme', HEAD, NOW);
    expect(checkSignature(byOther, [key])).toBe('unknown_key');
    // The attacker's key, with the genuine key's id written in: the id names the key, the signature fails.
    const impostor = signHead({ ...other, keyId: key.keyId }, 'acme', HEAD, NOW);
    expect(impostor.key_id).toBe(key.keyId);
    expect(checkSignature(impostor, [key])).toBe('bad_signature');
    expect(checkSignature({ ...signHead(key, 'acme', HEAD, NOW), signature: 'not base64url!' }, [key])).toBe('bad_signature');
  });

  it('refuses to make a key from anything but an Ed25519 key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => signingKeyFromPem(rsa)).toThrow(/ed25519/i);
    expect(() => verifyKeyFromPem('not a key')).toThrow();
  });

  it('keeps the signed time exact through the database row', () => {
    const signed = signHead(key, 'acme', HEAD, NOW);
    const back = toSignedHead(toSignatureRow(signed));
    expect(back).toEqual(signed);
    expect(checkSignature(back, [key])).toBe('ok');
  });

  it('reads a published line back, and says what is wrong with one that is no signed head', () => {
    const signed = signHead(key, 'acme', HEAD, NOW);
    expect(parseSignedHead(JSON.stringify(signed))).toEqual(signed);
    expect(parseSignedHead('{')).toBe('not JSON');
    expect(parseSignedHead('[1]')).toBe('not a JSON object');
    expect(parseSignedHead(JSON.stringify({ ...signed, signature: undefined }))).toBe('missing `signature`');
    expect(parseSignedHead(JSON.stringify({ ...signed, seq: 0 }))).toMatch(/`seq`/);
    expect(parseSignedHead(JSON.stringify({ ...signed, hash: 'xyz' }))).toMatch(/`hash`/);
    expect(parseSignedHead(JSON.stringify({ ...signed, signed_at: 'yesterday' }))).toMatch(/`signed_at`/);
  });
});
