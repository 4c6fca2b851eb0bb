// The downstream MCP server the proxy fronts: started as a child process and spoken to with the
// official MCP client over stdio; its stderr goes to ours, since stdout is the protocol.

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';

export interface Downstream {
  /** The server's name: `--name`, else what it reports at initialisation. */
  name: string;
  client: Client;
  /** Every tool, following pagination. */
  listTools(): Promise<Tool[]>;
  callTool(name: string, args: Record<string, unknown> | undefined, signal?: AbortSignal): Promise<CallToolResult>;
  close(): Promise<void>;
}

export async function startDownstream(command: string, args: string[], options: { name?: string | undefined } = {}): Promise<Downstream> {
  const transport = new StdioClientTransport({ command, args, stderr: 'inherit' });
  const client = new Client({ name: 'tollgate-mcp-proxy', version: '0.1.0' });
  try {
    await client.connect(transport);
  } catch (error) {
    await client.close().catch(() => undefined);
    throw new Error(`cannot start the downstream MCP server \`${[command, ...args].join(' ')}\`: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return {
    name: options.name ?? client.getServerVersion()?.name ?? command,
    client,
    async listTools() {
      const tools: Tool[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor === undefined ? {} : { cursor });
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      return tools;
    },
    async callTool(name, toolArgs, signal) {
      return (await client.callTool({ name, ...(toolArgs === undefined ? {} : { arguments: toolArgs }) }, undefined, {
        ...(signal === undefined ? {} : { signal }),
      })) as CallToolResult;
    },
    close: () => client.close(),
  };
}
