// An ops agent (OpenAI Agents SDK) that scales services; its tool is gated by Tollgate, so under
// the guide's policy a production scale-up below 10 replicas runs at once and a bigger one waits
// for a person. Run: TOLLGATE_API_KEY=… npx tsx examples/agents/ops-autoscaler.ts

import { Agent, run, setTracingDisabled, tool, type Model } from '@openai/agents';
import { z } from 'zod';
import { Tollgate } from '@tollgate/sdk';
import { gateTool } from '@tollgate/sdk/openai-agents';
import { ScriptedAgentsModel } from './scripted-agents-model.js';

/** Replica counts by service: the cluster API in a real agent. */
export type Cluster = Map<string, number>;

export function createAutoscaler(tollgate: Tollgate, cluster: Cluster, model: Model | string, wait = 30) {
  const scale = tool({
    name: 'scale_up',
    description: 'Set the number of replicas of a production service',
    parameters: z.object({ service: z.string(), replicas: z.number().int().positive(), reason: z.string() }),
    execute: async ({ service, replicas }) => {
      const before = cluster.get(service) ?? 1;
      cluster.set(service, replicas);
      return `${service} scaled from ${before} to ${replicas} replicas`;
    },
  });
  const gated = gateTool(tollgate, scale, {
    wait,
    action: (name, input) => {
      const { service, replicas, reason } = input as { service: string; replicas: number; reason: string };
      return {
        action_type: name,
        environment: 'production',
        service,
        replicas,
        reversible: true,
        summary: `Scale ${service} to ${replicas} replicas`,
        reasoning: reason,
        arguments: input,
      };
    },
  });
  const agent = new Agent({ name: 'autoscaler', instructions: 'Keep latency low; scale services when needed.', tools: [gated], model });
  return (input: string) => run(agent, input, { maxTurns: 6 });
}

if (process.argv[1]?.endsWith('ops-autoscaler.ts')) {
  setTracingDisabled(true);
  const tollgate = new Tollgate({
    baseUrl: process.env.TOLLGATE_URL ?? 'http://127.0.0.1:7300',
    apiKey: process.env.TOLLGATE_API_KEY ?? '',
  });
  const cluster: Cluster = new Map([['web', 4]]);
  const model = new ScriptedAgentsModel([
    { call: 'scale_up', input: { service: 'web', replicas: 8, reason: 'p95 latency above 400 ms' } },
    { call: 'scale_up', input: { service: 'web', replicas: 16, reason: 'traffic still rising' } },
    { say: 'Scaling handled.' },
  ]);
  const result = await createAutoscaler(tollgate, cluster, model)('Latency is high on web');
  for (const item of result.newItems) if (item.type === 'tool_call_output_item') console.log('tool:', JSON.stringify(item.output));
  console.log('cluster:', JSON.stringify([...cluster]));
}
