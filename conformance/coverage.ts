// Which match operators a case exercises, read from its policy text independently of the kernel,
// so the corpus can prove it covers each operator both holding and not holding.

import { parse } from 'yaml';
import type { ConformanceCase } from './loader.js';

/** The operators of DESIGN.md §3.2. */
export const DESIGN_OPERATORS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in', 'matches', 'glob', 'prefix', 'contains', 'exists'];

export interface OperatorUse {
  operator: string;
  rule: string;
  /** Whether the case wants that rule among the matched ones. */
  matched: boolean;
}

function isPlain(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Operators written as `field: { op: operand }` in `match` or `unless`, for decision cases that name their rules. */
export function operatorUses(testCase: ConformanceCase): OperatorUse[] {
  if (testCase.expect.kind !== 'decision' || testCase.expect.want.rules === undefined) return [];
  const wanted = testCase.expect.want.rules;
  const uses: OperatorUse[] = [];
  for (const file of testCase.policy) {
    const data: unknown = parse(file.text);
    const rules = isPlain(data) && Array.isArray(data.rules) ? data.rules : [];
    for (const rule of rules) {
      if (!isPlain(rule) || typeof rule.name !== 'string') continue;
      for (const block of [rule.match, rule.unless]) {
        if (!isPlain(block)) continue;
        for (const test of Object.values(block)) {
          if (!isPlain(test)) continue;
          for (const operator of Object.keys(test)) uses.push({ operator, rule: rule.name, matched: wanted.includes(rule.name) });
        }
      }
    }
  }
  return uses;
}
