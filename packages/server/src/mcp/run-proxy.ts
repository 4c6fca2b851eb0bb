// Wires the proxy together: start the downstream server, choose the gate, then serve on stdio
// (the default) or Streamable HTTP; closing one side closes the other.

import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Connection } from '../cli/agent-connection.js';
import { localGate, remoteGate } from './call-gate.js';
import { startDownstream } from './downstream.js';
import { listenHttp } from './http-listener.js';
import { createProxyServer } from './proxy-server.js';

export interface ProxyOptions {
  command: string;
  args: string[];
  connection: Connection;
  /** Seconds to wait for people on each call. */
  wait: number;
  name?: string | undefined;
  http?: { host: string; port: number } | undefined;
  log: (line: string) => void;
}

/** Runs until the client (stdio) or a signal (HTTP) ends it; resolves once everything is closed. */
export async function runProxy(options: ProxyOptions): Promise<void> {
  const downstream = await startDownstream(options.command, options.args, { name: options.name });
  const gate =
    options.connection.kind === 'remote' ? remoteGate(options.connection.tollgate, options.wait) : localGate(options.connection.decider);
  const via = options.connection.kind === 'remote' ? `Tollgate at ${options.connection.tollgate.baseUrl}` : 'the local policy';
  const makeServer = () => createProxyServer(downstream, gate);

  if (options.http === undefined) {
    const server = makeServer();
    const closed = new Promise<void>((resolve) => (server.onclose = resolve));
    await server.connect(new StdioServerTransport());
    // The client's one session mirrors the downstream one: pass on that its tools changed.
    downstream.client.setNotificationHandler(ToolListChangedNotificationSchema, () => server.sendToolListChanged());
    options.log(`tollgate mcp-proxy: gating \`${downstream.name}\` through ${via}, on stdio`);
    await closed;
    await downstream.close();
    return;
  }
  const listener = await listenHttp(makeServer, options.http.host, options.http.port);
  options.log(`tollgate mcp-proxy: gating \`${downstream.name}\` through ${via}, at ${listener.url}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    downstream.client.onclose = resolve;
  });
  await listener.close();
  await downstream.close();
}
