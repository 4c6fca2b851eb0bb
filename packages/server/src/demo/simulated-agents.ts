// The simulated agents of `tollgate demo`: a realistic mix of actions sent over the real HTTP
// API, so that the inbox, the audit trail and the numbers fill up as they would in production.

export interface DemoAgent {
  name: string;
  key: string;
}

interface Template {
  agent: string;
  weight: number;
  make(n: number): Record<string, unknown>;
}

const TEMPLATES: Template[] = [
  {
    agent: 'deploy-bot',
    weight: 3,
    make: (n) => ({
      action_type: 'deploy',
      environment: n % 3 === 0 ? 'production' : 'staging',
      summary: `Deploy checkout-service v2.${n % 10}.${n % 7}`,
      reasoning: '3 bug fixes and 1 new feature; all tests pass',
      confidence: 0.9,
      context: { diff: `- image: checkout:v2.${n % 10}.${(n % 7) - 1}\n+ image: checkout:v2.${n % 10}.${n % 7}`, tests: 'passing' },
      reversible: true,
    }),
  },
  {
    agent: 'billing-bot',
    weight: 2,
    make: (n) => ({
      action_type: 'transfer',
      capability: 'payment',
      environment: 'production',
      amount_usd: [120, 980, 4_500, 12_000, 48_000][n % 5],
      currency: 'USD',
      summary: `Pay invoice INV-${1000 + n}`,
      reversible: false,
    }),
  },
  {
    agent: 'ops-bot',
    weight: 3,
    make: (n) => ({
      action_type: 'scale_up',
      environment: 'production',
      replicas: [4, 5, 8, 12][n % 4],
      summary: 'Traffic spike detected, add web capacity',
      reasoning: 'p95 latency above 400 ms for 5 minutes',
      confidence: [0.95, 0.7, 0.88][n % 3],
      reversible: true,
    }),
  },
  {
    agent: 'analyst-bot',
    weight: 4,
    make: (n) => ({
      action_type: 'read_only_query',
      environment: 'production',
      summary: `Weekly revenue report #${n}`,
      query: 'select sum(total) from orders',
    }),
  },
  {
    agent: 'data-bot',
    weight: 1,
    make: (n) => ({
      action_type: 'update',
      environment: 'staging',
      affected_records: [200, 5_000][n % 2],
      summary: 'Backfill customer segments',
    }),
  },
];

export const DEMO_AGENTS = [...new Set(TEMPLATES.map((template) => template.agent))];

/** Sends one action every `intervalMs` until stopped; returns the stop function. */
export function runSimulatedAgents(
  baseUrl: string,
  agents: DemoAgent[],
  intervalMs: number,
  onError: (error: unknown) => void,
): () => void {
  const keys = new Map(agents.map((agent) => [agent.name, agent.key]));
  const bag = TEMPLATES.flatMap((template) => Array.from({ length: template.weight }, () => template));
  let n = 0;
  const timer = setInterval(() => {
    n += 1;
    const template = bag[(n * 7) % bag.length]!;
    const key = keys.get(template.agent);
    if (key === undefined) return;
    fetch(`${baseUrl}/v1/actions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(template.make(n)),
    })
      .then((response) => response.body?.cancel())
      .catch(onError);
  }, intervalMs);
  return () => clearInterval(timer);
}
