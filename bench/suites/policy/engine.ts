// What the policy suite needs from each engine: turn a policy into a decider, then decide actions.
import type { Action, Decision, Rule } from './rules.js';

export interface PolicySpec {
  size: number;
  rules: Rule[];
  /** The same policy as Tollgate YAML text. */
  yaml: string;
}

export type Decider = { kind: 'sync'; decide(action: Action): Decision } | { kind: 'async'; decide(action: Action): Promise<Decision> };

export interface Engine {
  name: string;
  /** Policy sizes the engine can express; all of them when absent. */
  sizes?: number[];
  /** Compiles, parses or loads the policy; this is what "compile time" measures. */
  build(spec: PolicySpec): Decider | Promise<Decider>;
}
