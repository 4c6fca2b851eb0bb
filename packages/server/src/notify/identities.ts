// Ties a person's Slack user id, e-mail address, Jira account (Cloud account id or Data Center
// user name) or ServiceNow user name to their Tollgate user, audited: it decides whose vote a
// Slack click, a Jira transition or a ServiceNow approval is, and who gets personal one-click links.

import { TollgateError } from '../errors.js';
import { appendAudit } from '../services/audit-chain.js';
import type { IdentityKind } from '../stores/notify-store.js';
import type { Store } from '../stores/store.js';

export async function linkIdentity(
  store: Store,
  now: number,
  input: { tenantId: string; name: string; kind: IdentityKind; value: string; actor: string },
): Promise<{ user_id: string; value: string }> {
  const { tenantId, name, kind, value, actor } = input;
  const trimmed = kind === 'email' ? value.trim().toLowerCase() : value.trim();
  if (kind === 'slack' && !/^[UW][A-Z0-9]{2,20}$/.test(trimmed))
    throw new TollgateError('request.invalid', `\`${value}\` is not a slack user id (like U012AB3CD)`, { field: 'slack_id' });
  if (kind === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(trimmed))
    throw new TollgateError('request.invalid', `\`${value}\` is not an e-mail address`, { field: 'email' });
  // A Cloud account id (`5b10ac8d82e05b22cc7d4ef5`, `712020:2e1f…`) or a Data Center user name.
  if (kind === 'jira' && !/^[A-Za-z0-9][A-Za-z0-9:._@+-]{0,127}$/.test(trimmed))
    throw new TollgateError('request.invalid', `\`${value}\` is not a jira account id or user name`, { field: 'jira_user' });
  if (kind === 'servicenow' && !/^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$/.test(trimmed))
    throw new TollgateError('request.invalid', `\`${value}\` is not a servicenow user name (sys_user.user_name)`, {
      field: 'servicenow_user',
    });
  return store.transaction(async (scope) => {
    const user = await scope.users.findByName(tenantId, name);
    if (user === undefined) throw new TollgateError('user.not_found', `no user \`${name}\``);
    await scope.identities.set(tenantId, kind, trimmed, user.id, now);
    await appendAudit(scope, tenantId, [{ type: 'user.linked', actor, subject: user.id, data: { kind, value: trimmed } }], now);
    return { user_id: user.id, value: trimmed };
  });
}
