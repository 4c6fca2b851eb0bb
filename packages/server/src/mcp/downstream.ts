// The downstream MCP server the proxy fronts: a child process spoken to over stdio, its stderr
// going to ours (stdout is the protocol). The proxy relays the client's messages to it as they are.

import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

/** Starts the server's process; it says nothing until the client's `initialize` reaches it. */
export async function startDownstream(command: string, args: string[]): Promise<StdioClientTransport> {
  const transport = new StdioClientTransport({ command, args, stderr: 'inherit' });
  try {
    await transport.start();
  } catch (error) {
    await transport.close().catch(() => undefined);
    throw new Error(`cannot start the downstream MCP server \`${[command, ...args].join(' ')}\`: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return transport;
}
