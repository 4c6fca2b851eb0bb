// `tollgate mcp-proxy … -- <command> [args…]`: an MCP server in front of another one, gating every
// tool call through Tollgate (or a local policy).

import { Option, type Command } from 'commander';
import { DEFAULT_HOST } from '../../config/config.js';
import { connect, connectionOptions, type ConnectionOptions } from '../agent-connection.js';
import { UsageError } from '../input.js';
import type { CliIo } from '../io.js';
import { runProxy } from '../../mcp/run-proxy.js';
import { wholeNumber } from './serve.js';

/** MCP clients give up on a call after 60 s by default: answer "pending" before that. */
const DEFAULT_WAIT = 25;

export function registerMcpProxyCommand(program: Command, io: CliIo): void {
  connectionOptions(
    program
      .command('mcp-proxy')
      .description('serve MCP in front of a downstream MCP server, gating every tools/call through Tollgate')
      .usage('[options] -- <command> [args...]')
      .argument('[command...]', 'the downstream MCP server to start (after --)'),
    DEFAULT_WAIT,
  )
    .option('--name <name>', 'the downstream server name policies see as `server` (default: the name it reports)')
    .addOption(
      new Option('--http <port>', 'serve Streamable HTTP at http://HOST:PORT/mcp instead of stdio').argParser(wholeNumber('--http', 65535)),
    )
    .option('--host <address>', `address for --http (default ${DEFAULT_HOST})`)
    .action(async (command: string[], options: ConnectionOptions & { name?: string; http?: number; host?: string }) => {
      const [executable, ...args] = command;
      if (executable === undefined)
        throw new UsageError('give the downstream MCP server to start after `--`, e.g. `tollgate mcp-proxy --policy p.yaml -- npx server`');
      await runProxy({
        command: executable,
        args,
        connection: connect(options),
        wait: options.wait ?? DEFAULT_WAIT,
        name: options.name,
        http: options.http === undefined ? undefined : { host: options.host ?? DEFAULT_HOST, port: options.http },
        // stdout carries the protocol on stdio, so everything else goes to stderr.
        log: (line) => io.err(line),
      });
    });
}
