// `tollgate demo`: a server with the example policy, people to sign in as, and simulated agents
// producing a realistic mix of actions.

import type { Command } from 'commander';
import type { ServeOptions } from '../../config/config.js';
import { TollgateError } from '../../errors.js';
import type { CliIo } from '../io.js';
import { closeOnSignal, ensureFirstAdmin, serveOptions, signInHint, startListening } from './serve.js';

const DEMO_PEOPLE = [
  { name: 'alice', role: 'approver', groups: ['approvers', 'tech-lead', 'finance'] },
  { name: 'bob', role: 'approver', groups: ['approvers', 'senior-engineer', 'security-team'] },
  { name: 'carol', role: 'auditor', groups: [] },
] as const;
const DEMO_PASSWORD = 'tollgate-demo';

export function registerDemoCommand(program: Command, io: CliIo): void {
  serveOptions(program.command('demo').description('serve the example policy with simulated agents producing traffic'))
    .option('--interval <ms>', 'milliseconds between simulated actions', '2000')
    .action(async (options: ServeOptions & { interval: string; db?: string }) => {
      const [{ serveConfig }, { DEMO_AGENTS, runSimulatedAgents }] = await Promise.all([
        import('../../config/config.js'),
        import('../../demo/simulated-agents.js'),
      ]);
      const config = serveConfig({ ...options, db: options.db ?? '.tollgate/demo.db' });
      const server = await startListening(config);
      const admin = await ensureFirstAdmin(server.services);
      for (const person of DEMO_PEOPLE) {
        try {
          await server.services.auth.addUser({ name: person.name, password: DEMO_PASSWORD, role: person.role, groups: [...person.groups] });
        } catch (error) {
          if (!(error instanceof TollgateError && error.code === 'user.exists')) throw error;
        }
      }
      const agents = [];
      for (const name of DEMO_AGENTS) agents.push({ name, key: (await server.services.auth.createKey(name, 'default', 'demo')).secret });
      const stop = runSimulatedAgents(server.url, agents, Math.max(100, Number(options.interval) || 2000), (error) =>
        io.err(`simulated agent: ${String(error)}`),
      );
      io.out(`Tollgate demo at ${server.url} — simulated agents: ${DEMO_AGENTS.join(', ')}`);
      io.out(
        admin === undefined
          ? await signInHint(server.services, config.db)
          : `admin login — name: ${admin.name}  password: ${admin.password}`,
      );
      io.out(`people — ${DEMO_PEOPLE.map((p) => `${p.name} (${p.role})`).join(', ')}; password: ${DEMO_PASSWORD}`);
      await closeOnSignal(server, io, stop);
    });
}
