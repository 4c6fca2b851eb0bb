// The `tollgate` command line: parses arguments and hands each command to its module. Only the
// module of the command being run is loaded (a server, a database or the policy kernel take far
// longer to load than the rest of the CLI); the others are listed by name for help.

import { Command, CommanderError } from 'commander';
import { EXIT, processIo, type CliIo } from './io.js';
import { reportError } from './report-error.js';

type Register = (program: Command, io: CliIo, setExit: (code: number) => void) => void;

interface CommandModule {
  /** The top-level commands the module registers, with the line `tollgate --help` shows for each. */
  commands: Record<string, string>;
  load: () => Promise<Register>;
}

const MODULES: CommandModule[] = [
  {
    commands: { serve: 'run the Tollgate server' },
    load: async () => (await import('./commands/serve.js')).registerServeCommand,
  },
  {
    commands: { demo: 'serve the example policy with simulated agents, workers and approvers' },
    load: async () => (await import('./commands/demo.js')).registerDemoCommand,
  },
  {
    commands: { policy: 'validate, lint, test, evaluate and simulate policies' },
    load: async () => (await import('./commands/policy.js')).registerPolicyCommands,
  },
  {
    commands: {
      users: 'manage the people who approve, review and audit',
      keys: 'manage API keys: agent keys submit actions, worker keys take jobs',
    },
    load: async () => (await import('./commands/users.js')).registerUserCommands,
  },
  {
    commands: {
      login: "sign in to a server and keep the token for the people's commands",
      logout: 'end the stored sign-in on the server and remove its token',
    },
    load: async () => (await import('./commands/login.js')).registerLoginCommands,
  },
  {
    commands: { approvals: 'list and decide approval requests on a running server' },
    load: async () => (await import('./commands/approvals.js')).registerApprovalCommands,
  },
  {
    commands: { audit: 'verify and export the tamper-evident audit trail' },
    load: async () => (await import('./commands/audit.js')).registerAuditCommands,
  },
  {
    commands: { 'mcp-proxy': 'serve MCP in front of a downstream MCP server, gating every tools/call through Tollgate' },
    load: async () => (await import('./commands/mcp-proxy.js')).registerMcpProxyCommand,
  },
  {
    commands: { hook: 'hooks that put coding agents through Tollgate' },
    load: async () => (await import('./commands/hook.js')).registerHookCommands,
  },
  {
    commands: { init: 'set up an agent to go through Tollgate' },
    load: async () => (await import('./commands/init.js')).registerInitCommands,
  },
];

/** The command `argv` runs (`tollgate help NAME` asks about NAME), if it is one. */
function commandIn(argv: string[]): string | undefined {
  const [first, second] = argv.slice(2);
  return first === 'help' ? second : first;
}

/**
 * The program with `only` registered in full (every command when undefined) and the others as
 * names with their descriptions, so that help lists them and a typo gets a suggestion.
 */
export async function buildProgram(io: CliIo, setExit: (code: number) => void, only?: string): Promise<Command> {
  const program = new Command('tollgate')
    .description('Human-in-the-loop control plane for AI agents')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (text) => io.out(text.trimEnd()), writeErr: (text) => io.err(text.trimEnd()) });
  for (const module of MODULES) {
    const names = Object.keys(module.commands);
    if (only === undefined || names.includes(only)) (await module.load())(program, io, setExit);
    else for (const name of names) program.command(name).description(module.commands[name]!);
  }
  return program;
}

/** Runs the CLI on `argv` (as in process.argv) and returns the exit code. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  let code: number = EXIT.ok;
  try {
    const program = await buildProgram(
      io,
      (exit) => {
        code = Math.max(code, exit);
      },
      commandIn(argv) ?? '',
    );
    await program.parseAsync(argv);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    return reportError(error, io);
  }
}
