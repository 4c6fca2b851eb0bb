// TEMPORARY stand-in for compilePolicy until @tollgate/core builds; delete when switching.
import { parse } from 'yaml';

type D = 'ALLOW' | 'REVIEW' | 'REQUIRE_APPROVAL' | 'DENY';
const rank: Record<D, number> = { ALLOW: 0, REVIEW: 1, REQUIRE_APPROVAL: 2, DENY: 3 };
type Test = (a: Record<string, unknown>) => boolean;
interface Compiled { name: string; decision: D; tests: Test[] }

function test(field: string, spec: unknown): Test {
  if (Array.isArray(spec)) return (a) => spec.includes(a[field]);
  if (spec !== null && typeof spec === 'object') {
    const tests = Object.entries(spec as Record<string, unknown>).map(([op, v]): Test => {
      switch (op) {
        case 'gt': return (a) => typeof a[field] === 'number' && (a[field] as number) > (v as number);
        case 'lt': return (a) => typeof a[field] === 'number' && (a[field] as number) < (v as number);
        case 'in': return (a) => (v as unknown[]).includes(a[field]);
        default: throw new Error(`op ${op}`);
      }
    });
    return (a) => tests.every((t) => t(a));
  }
  return (a) => a[field] === spec;
}

export function compilePolicy(text: string) {
  const doc = parse(text) as { rules: { name: string; match: Record<string, unknown>; decision: D }[] };
  const byType = new Map<unknown, Compiled[]>();
  const rest: Compiled[] = [];
  for (const r of doc.rules) {
    const c: Compiled = { name: r.name, decision: r.decision, tests: Object.entries(r.match).map(([f, s]) => test(f, s)) };
    const t = r.match.action_type;
    const keys = Array.isArray(t) ? t : typeof t === 'string' ? [t] : null;
    if (keys === null) rest.push(c);
    else for (const k of keys) byType.set(k, [...(byType.get(k) ?? []), c]);
  }
  return {
    evaluate(action: Record<string, unknown>, _opts: { now: number }) {
      let decision: D = 'ALLOW';
      const reasons: { kind: 'rule'; name: string; decision: D }[] = [];
      const check = (c: Compiled) => {
        if (c.tests.every((t) => t(action))) {
          reasons.push({ kind: 'rule', name: c.name, decision: c.decision });
          if (rank[c.decision] > rank[decision]) decision = c.decision;
        }
      };
      rest.forEach(check);
      byType.get(action.action_type)?.forEach(check);
      return { decision, reasons, missing: [] as string[], risk: null, policy_version: 'x' };
    },
  };
}
