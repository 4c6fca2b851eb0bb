// The MCP server the agent talks to: it lists the downstream server's tools as they are and gates
// every `tools/call` as the action `{ action_type, capability: "mcp", server, arguments }` (DESIGN §7).

import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { CallGate } from './call-gate.js';
import type { Downstream } from './downstream.js';

export function mcpAction(server: string, tool: string, args: Record<string, unknown> | undefined): Record<string, unknown> {
  return { action_type: tool, capability: 'mcp', server, arguments: args ?? {} };
}

export function createProxyServer(downstream: Downstream, gate: CallGate): Server {
  const server = new Server({ name: `tollgate(${downstream.name})`, version: '0.1.0' }, { capabilities: { tools: { listChanged: true } } });
  let known: Set<string> | undefined;
  const knownTools = async (refresh: boolean): Promise<Set<string>> => {
    if (known === undefined || refresh) known = new Set((await downstream.listTools()).map((tool) => tool.name));
    return known;
  };

  server.setRequestHandler(ListToolsRequestSchema, (request) =>
    downstream.client.listTools(request.params?.cursor === undefined ? {} : { cursor: request.params.cursor }),
  );

  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { name, arguments: args } = request.params;
    // An unknown tool is the caller's mistake: answer it without recording an action.
    if (!(await knownTools(false)).has(name) && !(await knownTools(true)).has(name))
      throw new McpError(
        ErrorCode.InvalidParams,
        `unknown tool \`${name}\` (params.name): the downstream server \`${downstream.name}\` has no such tool`,
      );
    return gate.call(mcpAction(downstream.name, name, args), (approved) => downstream.callTool(name, approved, extra.signal), extra.signal);
  });
  return server;
}
