// Ed25519 signatures over audit chain heads: the signed record, its key id, and the checks that
// a record is well formed and signed by a known key. An unkeyed hash chain can be recomputed by
// whoever can write the database; a signature over its head cannot be made without the key.

import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from '@tollgate/core';
import type { AuditHeadSignature, ChainHead } from '../stores/store.js';

/** A signed head as published and exported: what an auditor keeps outside the database. */
export interface SignedHead {
  tenant: string;
  seq: number;
  hash: string;
  /** ISO 8601, as signed. */
  signed_at: string;
  key_id: string;
  /** Ed25519 over `signedMessage(…)`, base64url. */
  signature: string;
}

export interface VerifyKey {
  keyId: string;
  publicKey: KeyObject;
  /** SPKI PEM, for export. */
  pem: string;
}

export interface SigningKey extends VerifyKey {
  privateKey: KeyObject;
}

/** A fresh private key as PKCS#8 PEM, to keep in the database settings. */
export function newSigningKeyPem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** The key id: the first 16 hex digits of the SHA-256 of the public key (DER), so that rotated keys are told apart. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

function verifyKeyOf(publicKey: KeyObject): VerifyKey {
  if (publicKey.asymmetricKeyType !== 'ed25519')
    throw new Error(`an audit key must be Ed25519, not ${publicKey.asymmetricKeyType ?? 'secret'}`);
  return { keyId: keyIdOf(publicKey), publicKey, pem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export function signingKeyFromPem(pem: string): SigningKey {
  const privateKey = createPrivateKey(pem);
  return { ...verifyKeyOf(createPublicKey(privateKey)), privateKey };
}

/** A public key from PEM (a private key's public half when given one). */
export function verifyKeyFromPem(pem: string): VerifyKey {
  return verifyKeyOf(createPublicKey(pem));
}

/** The bytes signed: the record without its signature, as canonical JSON under a fixed label, so no other signed text can pass for a head. */
export function signedMessage(head: Omit<SignedHead, 'signature'>): Buffer {
  return Buffer.from(
    canonicalJson({
      kind: 'tollgate audit head v1',
      tenant: head.tenant,
      seq: head.seq,
      hash: head.hash,
      signed_at: head.signed_at,
      key_id: head.key_id,
    }),
  );
}

export function signHead(key: SigningKey, tenant: string, head: ChainHead, now: number): SignedHead {
  const unsigned = { tenant, seq: head.seq, hash: head.hash, signed_at: new Date(now).toISOString(), key_id: key.keyId };
  return { ...unsigned, signature: sign(null, signedMessage(unsigned), key.privateKey).toString('base64url') };
}

export type SignatureCheck = 'ok' | 'unknown_key' | 'bad_signature';

/** Whether a known key made the signature: by its key id, then the signature itself. */
export function checkSignature(head: SignedHead, keys: readonly VerifyKey[]): SignatureCheck {
  const key = keys.find((known) => known.keyId === head.key_id);
  if (key === undefined) return 'unknown_key';
  const { signature, ...unsigned } = head;
  let valid = false;
  try {
    valid = verify(null, signedMessage(unsigned), key.publicKey, Buffer.from(signature, 'base64url'));
  } catch {
    valid = false;
  }
  return valid ? 'ok' : 'bad_signature';
}

export function toSignedHead(row: AuditHeadSignature): SignedHead {
  return {
    tenant: row.tenant_id,
    seq: row.seq,
    hash: row.hash,
    signed_at: new Date(row.signed_at).toISOString(),
    key_id: row.key_id,
    signature: row.signature,
  };
}

export function toSignatureRow(head: SignedHead): AuditHeadSignature {
  return {
    tenant_id: head.tenant,
    seq: head.seq,
    hash: head.hash,
    signed_at: Date.parse(head.signed_at),
    key_id: head.key_id,
    signature: head.signature,
  };
}

const FIELDS = ['tenant', 'seq', 'hash', 'signed_at', 'key_id', 'signature'] as const;

/** A published line read back: the record, or what is wrong with it. */
export function parseSignedHead(line: string): SignedHead | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const record = value as Record<string, unknown>;
  const missing = FIELDS.filter((field) => !(field in record));
  if (missing.length > 0) return `missing ${missing.map((field) => `\`${field}\``).join(', ')}`;
  if (typeof record.tenant !== 'string' || record.tenant === '') return '`tenant` is not a tenant id';
  if (!Number.isSafeInteger(record.seq) || (record.seq as number) < 1) return '`seq` is not a whole number above 0';
  if (typeof record.hash !== 'string' || !/^[0-9a-f]{64}$/.test(record.hash)) return '`hash` is not 64 hex digits';
  if (typeof record.signed_at !== 'string' || Number.isNaN(Date.parse(record.signed_at))) return '`signed_at` is not a time';
  if (typeof record.key_id !== 'string' || typeof record.signature !== 'string') return '`key_id` and `signature` must be strings';
  return {
    tenant: record.tenant,
    seq: record.seq as number,
    hash: record.hash,
    signed_at: record.signed_at,
    key_id: record.key_id,
    signature: record.signature,
  };
}
