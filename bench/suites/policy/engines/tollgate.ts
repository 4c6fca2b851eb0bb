// Tollgate: the policy compiled once from its YAML text, then evaluated with its explanation.
import { compilePolicy } from '@tollgate/core';
import type { Engine } from '../engine.js';
import type { Action, Decision } from '../rules.js';

// One clock reading for the whole run: reading the clock is the caller's cost, not the kernel's.
const options = { now: Date.now() };

export const tollgate: Engine = {
  name: 'tollgate',
  build({ yaml }) {
    const policy = compilePolicy(yaml);
    return { kind: 'sync', decide: (a: Action): Decision => policy.evaluate(a, options).decision };
  },
};
