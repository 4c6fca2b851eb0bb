// `tollgate demo`: a server with the example policy, people to sign in as, simulated agents
// producing a realistic mix of actions, workers doing the workflow's steps and a simulated team
// deciding at a human pace. On a new database it first records days of history, so that the
// oversight page has figures, charts and warnings from the start.

import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import type { ServeOptions } from '../../config/config.js';
import { wholeNumber } from '../input.js';
import type { CliIo } from '../io.js';
import { closeOnSignal, ensureFirstAdmin, serveOptions, signInHint, startListening } from './serve.js';

const DAY = 86_400_000;
const DEMO_DB = '.tollgate/demo.db';

export function registerDemoCommand(program: Command, io: CliIo): void {
  serveOptions(program.command('demo').description('serve the example policy with simulated agents, workers and approvers'), DEMO_DB)
    .option('--interval <ms>', 'milliseconds between simulated actions', '2000')
    .addOption(
      new Option('--history <days>', 'days of history the simulated team records first, on a new SQLite database (0: none)')
        .default(7)
        .argParser(wholeNumber('--history', 90)),
    )
    .option('--no-approvers', 'no simulated approvers: every request waits for a person')
    .action(async (options: ServeOptions & { interval: string; history: number; approvers: boolean }) => {
      // The server and the simulation load only when the demo runs, so that help answers without them.
      const [{ serveConfig }, { DemoTraffic }, { DEMO_AGENTS }, { DEMO_PASSWORD, DEMO_PEOPLE }, { DEMO_WORKERS }, { DemoClock }] =
        await Promise.all([
          import('../../config/config.js'),
          import('../../demo/demo-traffic.js'),
          import('../../demo/simulated-agents.js'),
          import('../../demo/simulated-people.js'),
          import('../../demo/simulated-workers.js'),
          import('../../demo/simulation.js'),
        ]);
      const config = serveConfig({ ...options, db: options.db ?? DEMO_DB });
      // History is recorded only into a new database: its clock must never run backwards.
      const history = !config.db.includes('://') && !existsSync(config.db) ? options.history : 0;
      const clock = new DemoClock(history * DAY);
      const server = await startListening(config, { clock });
      const admin = await ensureFirstAdmin(server.services);
      const traffic = await DemoTraffic.start({
        url: server.url,
        services: server.services,
        clock,
        intervalMs: Math.max(100, Number(options.interval) || 2000),
        approvers: options.approvers,
        onError: (error) => io.err(`demo: ${error instanceof Error ? error.message : String(error)}`),
      });
      if (history > 0) {
        io.err(`recording ${history} days of the team's history…`);
        await traffic.recordHistory(() => Date.now());
        const { actions, votes } = traffic.counts;
        io.err(`recorded ${actions} actions and ${votes} votes`);
      }
      traffic.goLive();
      const simulated = options.approvers
        ? DEMO_PEOPLE.filter((person) => person.takes !== undefined && person.yours !== true).map((person) => person.name)
        : [];
      io.out(
        [
          `Tollgate demo at ${server.url} — simulated agents: ${DEMO_AGENTS.join(', ')}; workers: ${DEMO_WORKERS.map((w) => w.name).join(', ')}; approvers: ${simulated.join(', ') || 'none'}`,
          admin === undefined
            ? await signInHint(server.services, config.db)
            : `admin login — name: ${admin.name}  password: ${admin.password}`,
          `people — ${DEMO_PEOPLE.map((p) => `${p.name} (${p.role})`).join(', ')}; password: ${DEMO_PASSWORD}`,
          simulated.length === 0
            ? 'nobody is simulated: every request waits for you'
            : `sign in as ${DEMO_PEOPLE.filter((p) => p.yours === true)
                .map((p) => p.name)
                .join(', ')} to decide: ${simulated.join(', ')} are simulated and decide on their own`,
        ].join('\n'),
      );
      await closeOnSignal(server, io, () => traffic.stop());
    });
}
