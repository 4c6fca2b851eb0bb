// Single-use execution grants: what an approval hands the agent. A grant is bound to the digest
// of the approved action and can be redeemed once; its token is derived from a server secret, so
// the database alone (a backup, a replica) does not reveal usable tokens.

import { createHmac } from 'node:crypto';
import { TollgateError } from '../errors.js';
import type { GrantRecord } from '../stores/records.js';
import type { StoreScope } from '../stores/store.js';
import { newId, sha256 } from '../util/ids.js';

export const GRANT_TTL_MS = 24 * 60 * 60 * 1000;

export function grantToken(secret: string, grantId: string, digest: string): string {
  const mac = createHmac('sha256', secret).update(`${grantId}:${digest}`).digest('base64url');
  return `${grantId}.${mac}`;
}

export function newGrant(secret: string, tenantId: string, actionId: string, approvalId: string, digest: string, now: number): GrantRecord {
  const id = newId('grt', now);
  return {
    id,
    tenant_id: tenantId,
    action_id: actionId,
    approval_id: approvalId,
    digest,
    token_hash: sha256(grantToken(secret, id, digest)),
    created_at: now,
    expires_at: now + GRANT_TTL_MS,
    used_at: null,
  };
}

/** Checks and consumes a grant for an action with `digest`; throws with the reason it is refused. */
export async function redeemGrant(scope: StoreScope, tenantId: string, token: string, digest: string, now: number): Promise<GrantRecord> {
  const grant = await scope.grants.findByTokenHash(tenantId, sha256(token));
  if (grant === undefined) throw new TollgateError('grant.not_found', 'no such grant', { field: 'grant' });
  if (grant.digest !== digest) {
    throw new TollgateError('grant.digest_mismatch', 'this grant was issued for a different action (its digest differs)', {
      field: 'digest',
      expected: grant.digest,
    });
  }
  if (grant.used_at !== null)
    throw new TollgateError('grant.used', 'this grant was used already', {
      field: 'grant',
      used_at: new Date(grant.used_at).toISOString(),
    });
  if (grant.expires_at <= now) throw new TollgateError('grant.expired', 'this grant has expired', { field: 'grant' });
  if (!(await scope.grants.markUsed(tenantId, grant.id, now)))
    throw new TollgateError('grant.used', 'this grant was used already', { field: 'grant' });
  return { ...grant, used_at: now };
}
