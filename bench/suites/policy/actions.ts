// The seeded action mix every engine decides: guide-style actions, actions aimed at generated
// rules (most match nothing), and a few with attributes missing.
import { createRandom, intBetween, pick } from '../../lib/prng.js';
import { baseRules, environments, opType, regions, type Action } from './rules.js';

/** A power of two, so the hot loop can cycle with a mask instead of a modulo. */
export const mixSize = 1024;

function opAction(random: () => number, opIndex: number): Action {
  const action: Record<string, string | number> = { agent: `agent-${intBetween(random, 1, 40)}`, action_type: opType(opIndex) };
  if (random() < 0.9) action.environment = pick(random, environments);
  if (random() < 0.8) action.region = pick(random, regions);
  if (random() < 0.5) action.amount_usd = intBetween(random, 0, 20000);
  if (random() < 0.4) action.affected_records = intBetween(random, 0, 1500);
  if (random() < 0.2) action.capability = 'payment';
  return action;
}

function missingAttributes(random: () => number, opIndex: number): Action {
  switch (intBetween(random, 0, 3)) {
    case 0:
      return { agent: 'deploy-bot', action_type: 'deploy' };
    case 1:
      return { agent: 'billing', action_type: 'transfer', capability: 'payment' };
    case 2:
      return { agent: 'cleanup', environment: 'production', affected_records: 50 };
    default:
      return { agent: 'ops', action_type: opType(opIndex), environment: 'production' };
  }
}

/**
 * Builds the mix for a policy of `size` rules. The random draws do not depend on `size`; only the
 * generated-rule index is scaled to it, so every size sees the same shape of workload.
 */
export function buildActions(size: number, seed = 0xac7): Action[] {
  const random = createRandom(seed);
  const generated = size - baseRules.length;
  const opIndex = (u: number): number => Math.floor(u * (generated > 0 ? generated : 1000));
  const actions: Action[] = [];
  for (let n = 0; n < mixSize; n++) {
    const kind = random();
    const u = random();
    if (kind < 0.06) {
      actions.push({
        agent: 'deploy-bot',
        action_type: pick(random, ['deploy', 'scale', 'delete', 'restart', 'drop_database']),
        environment: pick(random, environments),
      });
    } else if (kind < 0.12) {
      actions.push({
        agent: 'billing',
        action_type: pick(random, ['transfer', 'refund']),
        capability: 'payment',
        amount_usd: intBetween(random, 0, 30000),
      });
    } else if (kind < 0.17) {
      actions.push({
        agent: 'etl',
        action_type: 'update',
        environment: pick(random, environments),
        affected_records: intBetween(random, 0, 3000),
      });
    } else if (kind < 0.2) {
      actions.push(missingAttributes(random, opIndex(u)));
    } else {
      actions.push(opAction(random, opIndex(u)));
    }
  }
  return actions;
}
