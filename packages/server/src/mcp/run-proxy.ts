// Wires the proxy together: choose the gate, then serve one session on stdio (the default) or one
// session per client over Streamable HTTP, each relaying to a downstream server of its own. A clean
// shutdown (the client leaves, SIGINT, SIGTERM) waits for the outcome reports still being sent.

import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Connection } from '../cli/agent-connection.js';
import { AskTool } from './ask-tool.js';
import { localGate, remoteGate, type CallGate } from './call-gate.js';
import { startDownstream } from './downstream.js';
import { listenHttp } from './http-listener.js';
import { QueuedReports } from './outcome-reports.js';
import { ProxySession } from './proxy-server.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';

export interface ProxyOptions {
  command: string;
  args: string[];
  connection: Connection;
  /** Seconds to wait for people on each call. */
  wait: number;
  name?: string | undefined;
  http?: { host: string; port: number } | undefined;
  /** `--ask-tool`: offer `ask_a_person` (needs a Tollgate server: with a local policy nobody can be asked). */
  askTool?: boolean | undefined;
  log: (line: string) => void;
}

/** How long a shutdown waits for outcome reports to a Tollgate server that does not answer. */
const SETTLE_MS = 15_000;

/** Runs until the client (stdio) or a signal ends it; resolves once everything is closed. */
export async function runProxy(options: ProxyOptions): Promise<void> {
  const { connection, log } = options;
  const gate: CallGate =
    connection.kind === 'remote'
      ? remoteGate(new QueuedReports(connection.options), options.wait, log)
      : localGate(connection.decider, log);
  const askTool = options.askTool === true && connection.kind === 'remote' ? new AskTool(connection.tollgate, options.wait) : undefined;
  const via = connection.kind === 'remote' ? `Tollgate at ${connection.tollgate.baseUrl}` : 'the local policy';
  const describe = [options.command, ...options.args].join(' ');
  const openSession = async (upstream: Transport): Promise<ProxySession> => {
    const downstream = await startDownstream(options.command, options.args);
    const session = new ProxySession(upstream, downstream, gate, { name: options.name, fallbackName: options.command, log, askTool });
    await session.start();
    return session;
  };
  const stopped = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });

  if (options.http === undefined) {
    // Started before the client speaks, so that a downstream that cannot start fails at once.
    const session = await openSession(new StdioServerTransport());
    const closed = new Promise<string>((resolve) => {
      session.onclose = () => resolve('closed');
      // The client closing our stdin ends the session: the stdio transport does not notice by itself.
      process.stdin.once('end', () => resolve('the client left'));
    });
    log(`tollgate mcp-proxy: gating \`${describe}\` through ${via}, on stdio`);
    await Promise.race([closed, stopped]);
    await session.close();
  } else {
    const listener = await listenHttp(
      async (transport, ended) => {
        const session = await openSession(transport);
        session.onclose = ended;
        return session;
      },
      options.http.host,
      options.http.port,
    );
    log(`tollgate mcp-proxy: gating \`${describe}\` through ${via}, at ${listener.url} (a downstream server per session)`);
    await stopped;
    await listener.close();
  }
  await settle(gate, log);
}

async function settle(gate: CallGate, log: (line: string) => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), SETTLE_MS);
  });
  const gaveUp = await Promise.race([gate.settle().then(() => false), late]);
  clearTimeout(timer);
  if (gaveUp)
    log(`tollgate mcp-proxy: stopped waiting after ${SETTLE_MS / 1000} s for outcome reports to Tollgate; some were not recorded`);
}
