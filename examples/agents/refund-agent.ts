// A support agent that issues refunds through a Vercel AI SDK tool gated by Tollgate: small
// refunds go through, large ones (the guide's `large-transactions` rule) wait for a person.
// Run: TOLLGATE_API_KEY=… npx tsx examples/agents/refund-agent.ts   (see docs/integrations.md)

import { generateText, stepCountIs, tool, type LanguageModel } from 'ai';
import { z } from 'zod';
import { Tollgate } from '@tollgate/sdk';
import { gateTools } from '@tollgate/sdk/ai';
import { scriptedModel } from './scripted-ai-model.js';

export interface Refund {
  order_id: string;
  amount_usd: number;
}

/** The refund tool itself, writing to `ledger` (a payment provider's API in a real agent). */
export function refundTools(ledger: Refund[]) {
  return {
    issue_refund: tool({
      description: 'Refund an order to the customer',
      inputSchema: z.object({ order_id: z.string(), amount_usd: z.number().positive(), reason: z.string() }),
      execute: async ({ order_id, amount_usd }) => {
        ledger.push({ order_id, amount_usd });
        return { refunded: amount_usd, order_id, compensation: { capability: 'payment-reversal', order_id } };
      },
    }),
  };
}

/**
 * The agent: its tools are gated once, so a refund still waiting for people when a conversation
 * ends is resumed (and runs once) when the model retries the same call in a later one.
 */
export function createRefundAgent(tollgate: Tollgate, ledger: Refund[], wait = 30) {
  const tools = gateTools(tollgate, refundTools(ledger), {
    wait,
    action: (_name, input) => {
      const refund = input as Refund & { reason: string };
      return {
        action_type: 'refund',
        capability: 'payment',
        environment: 'staging',
        amount_usd: refund.amount_usd,
        summary: `Refund $${refund.amount_usd} for order ${refund.order_id}`,
        reasoning: refund.reason,
        arguments: refund,
      };
    },
  });
  return (model: LanguageModel, prompt: string) => generateText({ model, tools, prompt, stopWhen: stepCountIs(5) });
}

if (process.argv[1]?.endsWith('refund-agent.ts')) {
  const tollgate = new Tollgate({
    baseUrl: process.env.TOLLGATE_URL ?? 'http://127.0.0.1:7300',
    apiKey: process.env.TOLLGATE_API_KEY ?? '',
  });
  const ledger: Refund[] = [];
  const model = scriptedModel([
    { call: 'issue_refund', input: { order_id: 'A-100', amount_usd: 120, reason: 'damaged in transit' } },
    { call: 'issue_refund', input: { order_id: 'B-200', amount_usd: 24_000, reason: 'bulk order cancelled' } },
    { say: 'Refunds handled.' },
  ]);
  const result = await createRefundAgent(tollgate, ledger)(model, 'Handle the refund queue');
  for (const step of result.steps)
    for (const part of step.content)
      if (part.type === 'tool-result' || part.type === 'tool-error')
        console.log(
          part.type,
          part.toolName,
          JSON.stringify(part.input),
          '→',
          part.type === 'tool-result' ? JSON.stringify(part.output) : String(part.error),
        );
  console.log('ledger:', JSON.stringify(ledger));
}
