// `tollgate policy simulate`: replays the stored actions of a tenant against a candidate policy,
// straight on the database, and prints what would change.

import type { Command } from 'commander';
import type { SimulationExample } from '@tollgate/core';
import { databaseUrl } from '../../config/client-config.js';
import { readPolicyFiles } from '../../policy/load-files.js';
import type { SimulationResult } from '../../services/simulation-service.js';
import { systemClock } from '../../util/clock.js';
import { progressBar } from '../progress.js';
import type { CliIo } from '../io.js';

const n = (value: number): string => value.toLocaleString('en');
const ids = (examples: SimulationExample[]): string => (examples.length === 0 ? '' : `  e.g. ${examples.map((e) => e.id).join(', ')}`);

export function formatSimulation(result: SimulationResult): string[] {
  const lines = [
    `replayed ${n(result.replayed)} actions of tenant ${result.tenant} since ${result.window.since} (${result.window.name}) against ${result.candidate_version}`,
    `changed ${n(result.changed)} (stricter ${n(result.stricter)}, looser ${n(result.looser)}), unchanged ${n(result.unchanged)}`,
  ];
  if (result.changes.length > 0) {
    lines.push('', 'decisions that change:');
    for (const c of result.changes) lines.push(`  ${c.direction.padEnd(8)} ${c.from} → ${c.to}: ${n(c.count)}${ids(c.examples)}`);
    lines.push('', 'by rule:');
    for (const r of result.by_rule) lines.push(`  ${r.direction.padEnd(8)} ${r.rule}: ${n(r.count)}${ids(r.examples)}`);
  }
  const load = result.approval_load;
  lines.push('', `approval load over ${load.days.toFixed(1)} days: ${n(load.before)} requests before, ${n(load.after)} after`);
  for (const g of load.groups)
    lines.push(
      `  ${g.group}: ${n(g.before)} → ${n(g.after)} (${g.delta >= 0 ? '+' : ''}${n(g.delta)}; ${g.before_per_day.toFixed(1)} → ${g.after_per_day.toFixed(1)} a day)${ids(g.examples)}`,
    );
  return lines;
}

export function registerSimulateCommand(policy: Command, io: CliIo): void {
  policy
    .command('simulate')
    .description('replay stored actions against a candidate policy: decisions that change and the approval load')
    .requiredOption('--candidate <path>', 'the candidate policy file or folder')
    .option('--since <duration>', 'how far back to replay, such as 7d or 30d', '30d')
    .option('--tenant <tenant>', 'tenant', 'default')
    .option('--db <file|url>', 'SQLite file or postgres:// URL')
    .option('--json', 'print the whole report as JSON')
    .action(async (options: { candidate: string; since: string; tenant: string; db?: string; json?: boolean }) => {
      // Loaded by this command alone, so that the other policy commands start without the database code.
      const [{ compileCandidate, SimulationService }, { openStore }] = await Promise.all([
        import('../../services/simulation-service.js'),
        import('../../stores/open-store.js'),
      ]);
      const files = readPolicyFiles(options.candidate);
      // Checked before opening the store, so that a broken candidate is reported at once.
      compileCandidate(files);
      const store = await openStore(databaseUrl(options.db));
      const progress = progressBar('replaying');
      try {
        await store.migrate();
        const result = await new SimulationService({ store, clock: systemClock }).simulate(options.tenant, files, {
          since: options.since,
          onProgress: (done, total) => progress.update(done, total),
        });
        progress.finish();
        if (options.json === true) io.out(JSON.stringify(result, null, 2));
        else for (const line of formatSimulation(result)) io.out(line);
      } finally {
        await store.close();
      }
    });
}
