// A data agent (LangChain / LangGraph `createAgent`) whose backfill tool is gated by Tollgate: the
// guide's `bulk-operations` rule sends updates of more than 1000 records to a person first.
// Run: TOLLGATE_API_KEY=… npx tsx examples/agents/data-agent.ts

import { tool } from '@langchain/core/tools';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { createAgent } from 'langchain';
import { z } from 'zod';
import { Tollgate } from '@tollgate/sdk';
import { gateTools } from '@tollgate/sdk/langchain';
import { scriptedChatModel } from './scripted-langchain-model.js';

export interface Backfill {
  segment: string;
  affected_records: number;
}

export function createDataAgent(tollgate: Tollgate, applied: Backfill[], model: BaseChatModel, wait = 30) {
  const backfill = tool(
    async ({ segment, affected_records }) => {
      applied.push({ segment, affected_records });
      return `updated ${affected_records} customers in segment ${segment}`;
    },
    {
      name: 'backfill_segment',
      description: 'Recompute the segment of customers',
      schema: z.object({ segment: z.string(), affected_records: z.number().int().positive() }),
    },
  );
  const tools = gateTools(tollgate, [backfill], {
    wait,
    action: (_name, input) => {
      const { segment, affected_records } = input as Backfill;
      return {
        action_type: 'update',
        environment: 'staging',
        affected_records,
        summary: `Backfill segment ${segment} (${affected_records} records)`,
        arguments: input,
      };
    },
  });
  const agent = createAgent({ model, tools });
  return (request: string) => agent.invoke({ messages: [{ role: 'user', content: request }] });
}

if (process.argv[1]?.endsWith('data-agent.ts')) {
  const tollgate = new Tollgate({
    baseUrl: process.env.TOLLGATE_URL ?? 'http://127.0.0.1:7300',
    apiKey: process.env.TOLLGATE_API_KEY ?? '',
  });
  const applied: Backfill[] = [];
  const model = scriptedChatModel([
    { call: 'backfill_segment', input: { segment: 'trial', affected_records: 200 } },
    { call: 'backfill_segment', input: { segment: 'enterprise', affected_records: 5000 } },
    { say: 'Backfills handled.' },
  ]);
  const result = await createDataAgent(tollgate, applied, model)('Backfill the customer segments');
  for (const message of result.messages) if (message.type === 'tool') console.log('tool:', String(message.content));
  console.log('applied:', JSON.stringify(applied));
}
