// `tollgate mcp-proxy … -- <command> [args…]`: an MCP server in front of another one, gating every
// tool call through Tollgate (or a local policy). cli/entry.ts starts it without the rest of the CLI.

import type { Command } from 'commander';
import { DEFAULT_HOST } from '../../config/client-config.js';
import { connect, connectionSpecs, type ConnectionOptions } from '../agent-connection.js';
import { UsageError, wholeNumber } from '../input.js';
import type { CliIo } from '../io.js';
import { addOptions, type OptionSpec } from '../lean-args.js';

/** MCP clients give up on a call after 60 s by default: answer "pending" before that. */
const DEFAULT_WAIT = 25;

export const MCP_PROXY_OPTIONS: OptionSpec[] = [
  ...connectionSpecs(DEFAULT_WAIT),
  { flags: '--name <name>', description: 'the downstream server name policies see as `server` (default: the name it reports)' },
  {
    flags: '--http <port>',
    description: 'serve Streamable HTTP at http://HOST:PORT/mcp instead of stdio',
    parse: wholeNumber('--http', 65535),
  },
  { flags: '--host <address>', description: `address for --http (default ${DEFAULT_HOST})` },
  { flags: '--ask-tool', description: 'offer the client an `ask_a_person` tool that asks a person through Tollgate (not with --policy)' },
];

export type McpProxyOptions = ConnectionOptions & { name?: string; http?: number; host?: string; askTool?: boolean };

export function registerMcpProxyCommand(program: Command, io: CliIo): void {
  addOptions(
    program
      .command('mcp-proxy')
      .description('serve MCP in front of a downstream MCP server, gating every tools/call through Tollgate')
      .usage('[options] -- <command> [args...]')
      .argument('[command...]', 'the downstream MCP server to start (after --)'),
    MCP_PROXY_OPTIONS,
  ).action((command: string[], options: McpProxyOptions) => runMcpProxyCommand(command, options, io));
}

/** Runs the proxy until its client or a signal ends it. */
export async function runMcpProxyCommand(command: string[], options: McpProxyOptions, io: CliIo): Promise<void> {
  const [executable, ...args] = command;
  if (executable === undefined)
    throw new UsageError('give the downstream MCP server to start after `--`, e.g. `tollgate mcp-proxy --policy p.yaml -- npx server`');
  if (options.askTool === true && options.policy !== undefined)
    throw new UsageError(
      '--ask-tool needs a Tollgate server (--server and --key) to route the question to people; with --policy there is nobody to ask',
    );
  const connection = await connect(options);
  const { runProxy } = await import('../../mcp/run-proxy.js');
  await runProxy({
    command: executable,
    args,
    connection,
    wait: options.wait ?? DEFAULT_WAIT,
    name: options.name,
    askTool: options.askTool,
    http: options.http === undefined ? undefined : { host: options.host ?? DEFAULT_HOST, port: options.http },
    // stdout carries the protocol on stdio, so everything else goes to stderr.
    log: (line) => io.err(line),
  });
}
