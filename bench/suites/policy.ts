// Policy suite: Tollgate against Cedar, json-rules-engine, casbin and a hand-written floor, on
// equivalent policies of 4 to 10,000 rules and one seeded action mix.
import type { Suite, SuiteOptions } from '../lib/suite.js';
import { buildActions, mixSize } from './policy/actions.js';
import type { Engine, PolicySpec } from './policy/engine.js';
import { casbin } from './policy/engines/casbin.js';
import { cedar } from './policy/engines/cedar.js';
import { floor } from './policy/engines/floor.js';
import { jsonRulesEngine } from './policy/engines/json-rules-engine.js';
import { tollgate } from './policy/engines/tollgate.js';
import { measureEngine, type EngineResult, type RunPlan } from './policy/measure-engine.js';
import { printSize, printTargets } from './policy/report.js';
import { buildRules } from './policy/rules.js';
import { checkTargets, GROWTH_ENGINE } from './policy/targets.js';
import { policyYaml } from './policy/yaml.js';

const sizes = [4, 100, 1_000, 10_000] as const;
const smallest = sizes[0];
const largest = sizes[3];
const peers: Engine[] = [floor, cedar, jsonRulesEngine, casbin];

function plan(quick: boolean): RunPlan {
  // Quick mode also decides a shorter prefix of the mix: verifying json-rules-engine on all 1,024
  // actions at 10,000 rules alone takes about two minutes.
  return quick
    ? { actions: mixSize / 4, durationMs: 300, warmupMs: 50, compileRuns: 1 }
    : { actions: mixSize, durationMs: 1500, warmupMs: 300, compileRuns: 3 };
}

const progress = (text: string): void => {
  process.stderr.write(`  ${text}\n`);
};

async function runSize(size: number, options: SuiteOptions): Promise<EngineResult[]> {
  const rules = buildRules(size);
  const spec: PolicySpec = { size, rules, yaml: policyYaml(rules) };
  const runPlan = plan(options.quick);
  const actions = buildActions(size).slice(0, runPlan.actions);

  progress(`${size} rules: tollgate`);
  const reference = await measureEngine(tollgate, spec, actions, runPlan);
  const results = [reference.result];
  if (reference.result.error) return results;
  const expected = reference.decisions;
  const counts = new Map<string, number>();
  for (const d of expected) counts.set(d, (counts.get(d) ?? 0) + 1);
  progress(`${size} rules: mix decides ${[...counts].map(([d, n]) => `${d} ${n}`).join(', ')}`);

  for (const engine of peers) {
    if (engine.sizes && !engine.sizes.includes(size)) continue;
    progress(`${size} rules: ${engine.name}`);
    results.push((await measureEngine(engine, spec, actions, runPlan, expected)).result);
  }
  return results;
}

/**
 * The 4-rule mix with its generated action types renamed so that no generated rule can match
 * them: decided against the 4-rule and the 10,000-rule policy, it shows what rules that cannot
 * match an action cost that action.
 */
function unmatchableMix(count: number) {
  return buildActions(4)
    .slice(0, count)
    .map((action) =>
      typeof action.action_type === 'string' && action.action_type.startsWith('op_')
        ? { ...action, action_type: `un${action.action_type}` }
        : action,
    );
}

async function measureGrowth(options: SuiteOptions): Promise<EngineResult[]> {
  const runPlan = plan(options.quick);
  const actions = unmatchableMix(runPlan.actions);
  const results: EngineResult[] = [];
  for (const size of [smallest, largest]) {
    const rules = buildRules(size);
    progress(`${size} rules: tollgate on actions no generated rule matches`);
    const { result } = await measureEngine(tollgate, { size, rules, yaml: policyYaml(rules) }, actions, runPlan);
    results.push({ ...result, engine: GROWTH_ENGINE });
  }
  return results;
}

async function run(options: SuiteOptions): Promise<unknown> {
  const runPlan = plan(options.quick);
  console.log(
    `${runPlan.actions} seeded actions per size; ${runPlan.durationMs} ms timed per engine and size after ${runPlan.warmupMs} ms warm-up; compile = median of ${runPlan.compileRuns}`,
  );
  const results: EngineResult[] = [];
  for (const size of sizes) {
    const sizeResults = await runSize(size, options);
    printSize(size, sizeResults);
    results.push(...sizeResults);
  }
  const growth = await measureGrowth(options);
  console.log('\nthe 4-rule mix, renamed so that no generated rule can match it, against 4 and 10,000 rules');
  printSize(
    largest,
    growth.map((row) => ({ ...row, engine: `tollgate, ${row.size.toLocaleString('en')} rules` })),
  );
  results.push(...growth);
  const targets = checkTargets(results, sizes);
  printTargets(targets);
  return { sizes, plan: runPlan, results, targets };
}

const suite: Suite = {
  description: 'policy kernel vs Cedar, json-rules-engine, casbin and a hand-written floor, 4 to 10,000 rules',
  run,
};
export default suite;
