// Compares an implementation's outcome with what a case wants, as a list of readable mismatches
// (empty when the case passes), so a failing test says every way it failed at once.

import { isDeepStrictEqual } from 'node:util';
import type { ConformanceCase, Expectation } from './loader.js';
import type { Outcome } from './outcome.js';

function show(value: unknown): string {
  return JSON.stringify(value);
}

/** Order and repetition carry no meaning in these lists. */
function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = [...new Set(a)].sort();
  const right = [...new Set(b)].sort();
  return isDeepStrictEqual(left, right);
}

export function mismatches(testCase: ConformanceCase, outcome: Outcome): string[] {
  return testCase.expect.kind === 'decision' ? decisionMismatches(testCase.expect, outcome) : errorMismatches(testCase.expect, outcome);
}

function decisionMismatches(expect: Extract<Expectation, { kind: 'decision' }>, outcome: Outcome): string[] {
  if (outcome.kind === 'invalid') {
    return [
      `the policy did not load: ${outcome.diagnostics.map((d) => `${d.line ?? '?'}:${d.column ?? '?'} ${d.code}: ${d.message}`).join('; ')}`,
    ];
  }
  if (outcome.kind !== 'decision') return ['no decision was made'];
  const { want } = expect;
  const problems: string[] = [];
  if (outcome.decision !== want.decision) problems.push(`decision: want ${want.decision}, got ${outcome.decision}`);
  if (want.rules !== undefined && !sameSet(want.rules, outcome.rules)) {
    problems.push(`rules: want ${show(want.rules)}, got ${show(outcome.rules)}`);
  }
  if (want.risk !== undefined && outcome.risk !== want.risk) problems.push(`risk: want ${show(want.risk)}, got ${show(outcome.risk)}`);
  if (want.missing !== undefined && !sameSet(want.missing, outcome.missing)) {
    problems.push(`missing: want ${show(want.missing)}, got ${show(outcome.missing)}`);
  }
  for (const name of want.reasons ?? []) {
    if (!outcome.reasons.includes(name)) problems.push(`reasons: want \`${name}\` among ${show(outcome.reasons)}`);
  }
  if (want.route === null && outcome.route !== null) problems.push(`route: want none, got ${show(outcome.route)}`);
  if (want.route !== undefined && want.route !== null) {
    const route = outcome.route;
    const wrong = Object.entries(want.route).filter(([key, value]) => route === null || !isDeepStrictEqual(route[key], value));
    if (wrong.length > 0) problems.push(`route: want ${show(want.route)} within it, got ${show(route)}`);
  }
  return problems;
}

function errorMismatches(expect: Extract<Expectation, { kind: 'error' }>, outcome: Outcome): string[] {
  if (outcome.kind !== 'invalid') return [`the policy loaded, but it should fail with ${expect.codes.join(', ')}`];
  const found = outcome.diagnostics;
  const listing = found.map((d) => `${d.line ?? '?'}:${d.column ?? '?'} ${d.code}: ${d.message}`).join('; ');
  const problems: string[] = [];
  expect.codes.forEach((code, index) => {
    const at = expect.at?.[index];
    const text = expect.messages?.[index] ?? null;
    const fits = found.some(
      (d) => d.code === code && (at === undefined || `${d.line}:${d.column}` === at) && (text === null || d.message.includes(text)),
    );
    if (!fits) {
      const where = at === undefined ? '' : ` at ${at}`;
      const saying = text === null ? '' : ` saying ${show(text)}`;
      problems.push(`want ${code}${where}${saying}; got ${listing}`);
    }
  });
  return problems;
}
