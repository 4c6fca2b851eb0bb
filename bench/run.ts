// Benchmark entry point: `tsx bench/run.ts [suite…] [--quick] [--json] [--db sqlite|postgres]`; no
// suite runs them all.
// A suite is any bench/suites/<name>.ts whose default export is a Suite, so adding one needs no edit here.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Suite, SuiteOptions } from './lib/suite.js';

const suitesDir = new URL('./suites/', import.meta.url);
const resultsDir = new URL('./results/', import.meta.url);

async function listSuites(): Promise<string[]> {
  const files = await readdir(suitesDir);
  return files
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -'.ts'.length))
    .sort();
}

async function loadSuite(name: string): Promise<Suite> {
  const module = (await import(new URL(`${name}.ts`, suitesDir).href)) as { default?: Partial<Suite> };
  const suite = module.default;
  if (typeof suite?.run !== 'function') throw new Error(`bench/suites/${name}.ts has no default export with a run() function`);
  return suite as Suite;
}

function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpus.length,
    cpu_model: cpus[0]?.model ?? 'unknown',
  };
}

/**
 * Takes `--db VALUE` or `--db=VALUE` out of the arguments. Suites read the choice from
 * TOLLGATE_BENCH_DB, which the flag sets (the environment variable alone still works).
 */
function takeDb(args: string[]): { rest: string[]; db?: string; error?: string } {
  const rest: string[] = [];
  let db: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--db') {
      db = args[++i];
      if (db === undefined || db.startsWith('--')) return { rest, error: '`--db` needs a value: sqlite, postgres or sqlite,postgres' };
    } else if (arg.startsWith('--db=')) db = arg.slice('--db='.length);
    else rest.push(arg);
  }
  if (db !== undefined && !db.split(',').every((kind) => kind.trim() === 'sqlite' || kind.trim() === 'postgres')) {
    return { rest, error: `\`--db\` must be sqlite, postgres or sqlite,postgres, not \`${db}\`` };
  }
  return db === undefined ? { rest } : { rest, db };
}

async function main(): Promise<void> {
  const parsed = takeDb(process.argv.slice(2));
  if (parsed.error !== undefined) {
    console.error(parsed.error);
    process.exitCode = 2;
    return;
  }
  if (parsed.db !== undefined) process.env.TOLLGATE_BENCH_DB = parsed.db;
  const args = parsed.rest;
  const flags = new Set(args.filter((a) => a.startsWith('--')));
  const wanted = args.filter((a) => !a.startsWith('--'));
  const available = await listSuites();

  if (flags.has('--help')) {
    console.log('usage: npm run bench -- [suite…] [--quick] [--json] [--db sqlite|postgres|sqlite,postgres]\n');
    for (const name of available) console.log(`  ${name.padEnd(12)} ${(await loadSuite(name)).description}`);
    return;
  }
  const unknownFlags = [...flags].filter((f) => !['--quick', '--json'].includes(f));
  const unknownSuites = wanted.filter((name) => !available.includes(name));
  if (unknownFlags.length > 0 || unknownSuites.length > 0) {
    console.error(`unknown ${[...unknownFlags, ...unknownSuites].map((a) => `\`${a}\``).join(', ')}; suites: ${available.join(', ')}`);
    process.exitCode = 2;
    return;
  }

  const options: SuiteOptions = { quick: flags.has('--quick') };
  const env = machine();
  console.log(`node ${env.node} on ${env.platform}, ${env.cpus} × ${env.cpu_model}${options.quick ? ' (quick)' : ''}`);
  for (const name of wanted.length > 0 ? wanted : available) {
    console.log(`\n== ${name} ==`);
    const results = await (await loadSuite(name)).run(options);
    if (flags.has('--json')) {
      await mkdir(resultsDir, { recursive: true });
      const file = new URL(`${name}.json`, resultsDir);
      const report = { suite: name, date: new Date().toISOString(), machine: env, options, results };
      await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
      console.log(`\nwrote ${path.relative(process.cwd(), fileURLToPath(file))}`);
    }
  }
}

await main();
