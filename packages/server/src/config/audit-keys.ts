// The audit signing keys the operator gives: the Ed25519 private key in the environment variable
// `audit.signing_key_env` names, and the public keys of earlier signing keys (`audit.public_keys`).

import { readFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { SettingsError, type AuditSettings } from './server-settings.js';

type Env = Record<string, string | undefined>;

export interface AuditKeys {
  /** The private key (PKCS#8 PEM) from the environment; undefined: the one kept in the database. */
  signing: string | undefined;
  /** Public keys (SPKI PEM) whose signatures also verify: the keys signed with before a rotation. */
  trusted: string[];
}

/** Reads the keys the settings name; a named variable that is unset, or a key that is no Ed25519 key, stops the start. */
export function auditKeys(settings: AuditSettings, env: Env = process.env): AuditKeys {
  let signing: string | undefined;
  const name = settings.signing_key_env;
  if (name !== undefined) {
    signing = env[name];
    if (signing === undefined || signing.trim() === '')
      throw new SettingsError(
        `the audit settings' \`signing_key_env\` names \`${name}\`, which is not set: set it, or remove the setting to keep the key in the database`,
      );
    try {
      const key = createPrivateKey(signing);
      if (key.asymmetricKeyType !== 'ed25519') throw new Error(`a ${key.asymmetricKeyType ?? 'secret'} key`);
    } catch (error) {
      throw new SettingsError(`\`${name}\` must hold an Ed25519 private key (PKCS#8 PEM): ${(error as Error).message}`);
    }
  }
  return { signing, trusted: (settings.public_keys ?? []).map(readPublicKey) };
}

/** A public key file: PEM text of an Ed25519 public key. */
export function readPublicKey(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SettingsError(`cannot read public key file \`${path}\`: ${(error as Error).message}`);
  }
  try {
    const key = createPublicKey(text);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`a ${key.asymmetricKeyType ?? 'secret'} key`);
  } catch (error) {
    throw new SettingsError(`\`${path}\` is not an Ed25519 public key (PEM): ${(error as Error).message}`);
  }
  return text;
}
