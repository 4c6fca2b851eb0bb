// The floor: the 4-rule safety policy hard-coded as plain TypeScript, with no explanation.
// No engine can beat it, so Tollgate's distance from it is the cost of being a policy engine.
import type { Engine } from '../engine.js';
import type { Action, Decision } from '../rules.js';

function decide(a: Action): Decision {
  const environment = a.environment;
  const type = a.action_type;
  if (environment === 'production' && type === 'drop_database') return 'DENY';
  if (environment === 'production' && (type === 'deploy' || type === 'scale' || type === 'delete')) return 'REQUIRE_APPROVAL';
  const amount = a.amount_usd;
  if (a.capability === 'payment' && typeof amount === 'number' && amount > 10000) return 'REQUIRE_APPROVAL';
  const records = a.affected_records;
  if (typeof records === 'number' && records > 1000) return 'REQUIRE_APPROVAL';
  return 'ALLOW';
}

export const floor: Engine = {
  name: 'floor',
  sizes: [4],
  build: () => ({ kind: 'sync', decide }),
};
