// Compiled by `npm run check` (tsc -p this folder), never run: the adapters' types take the tools
// of `ai` 7 and `@openai/agents` 0.20 as their users write them, and give back the same types.

import { tool as agentsTool, type FunctionTool } from '@openai/agents';
import { tool, type ToolSet } from 'ai';
import { z } from 'zod';
import type { Tollgate } from '@tollgate/sdk';
import { gateTools } from '@tollgate/sdk/ai';
import { gateTool } from '@tollgate/sdk/openai-agents';

export function gatedAiTools(tollgate: Tollgate) {
  const tools = {
    deploy: tool({
      inputSchema: z.object({ version: z.string() }),
      contextSchema: z.object({ region: z.string() }),
      execute: async ({ version }, { context }) => `deployed ${version} to ${context.region}`,
    }),
  } satisfies ToolSet;
  const gated: typeof tools = gateTools(tollgate, tools);
  return gated;
}

export function gatedAgentsTool(tollgate: Tollgate) {
  const deploy = agentsTool({
    name: 'deploy',
    description: 'Deploy a version',
    parameters: z.object({ version: z.string() }),
    timeoutMs: 2000,
    execute: async ({ version }) => `deployed ${version}`,
  });
  const gated: typeof deploy = gateTool(tollgate, deploy);
  return gated satisfies FunctionTool<unknown, never, string>;
}
