// The implementations every case runs against. Adding one (say, the HTTP API) is writing one
// `Implementation` object and listing it here.

import type { ConformanceCase } from './loader.js';
import type { Outcome } from './outcome.js';
import { cli } from './implementations/cli.js';
import { core } from './implementations/core.js';
import { http } from './implementations/http.js';

export interface Implementation {
  name: string;
  /**
   * Loads the case's policy; for a decision case evaluates its action with its options, for a
   * `want_error` case only validates. Never throws for a bad policy: that is an `invalid` outcome.
   */
  run(testCase: ConformanceCase): Promise<Outcome>;
}

export const implementations: Implementation[] = [core, cli, http];
