// The simulated agents of `tollgate demo`: a realistic mix of actions sent over the real HTTP API
// (read-only queries, deploys, payments, scaling, data fixes and bulk backfills, and now and then
// something the policy refuses), so that the inbox, the audit trail and the numbers fill up as
// they would in production.

import { randomUUID } from 'node:crypto';
import type { Call } from './demo-client.js';
import type { Random, Simulation } from './simulation.js';

/** What kind of request an action makes: the simulated people judge each kind in their own way. */
export type ActionKind = 'deploy' | 'payment' | 'scale' | 'query' | 'data-fix' | 'backfill' | 'delete' | 'destructive';

interface Template {
  agent: string;
  weight: number;
  make(n: number, random: Random): { kind: ActionKind; action: Record<string, unknown> };
}

const SERVICES = ['checkout', 'search', 'payments-api', 'notifications'] as const;
const TABLES = ['orders', 'customers', 'subscriptions', 'invoices'] as const;

const TEMPLATES: Template[] = [
  {
    agent: 'analyst-bot',
    weight: 3,
    make: (n) => ({
      kind: 'query',
      action: {
        action_type: 'read_only_query',
        environment: 'production',
        capability: 'warehouse',
        summary: `Weekly revenue report #${n}`,
        query: "select date_trunc('week', created_at), sum(total) from orders group by 1",
      },
    }),
  },
  {
    agent: 'deploy-bot',
    weight: 3,
    make: (n, random) => {
      const service = random.pick(SERVICES);
      const version = `v2.${Math.floor(n / 7) % 20}.${n % 7}`;
      const previous = `v2.${Math.floor(n / 7) % 20}.${Math.max(0, (n % 7) - 1)}`;
      const environment = random.chance(0.4) ? 'production' : 'staging';
      return {
        kind: 'deploy',
        action: {
          action_type: 'deploy',
          environment,
          capability: 'kubernetes',
          service,
          version,
          replicas: 4,
          summary: `Deploy ${service} ${version} to ${environment}`,
          reasoning: `${random.between(1, 5)} bug fixes and ${random.between(0, 2)} features; all tests pass and the staging canary ran for 2 hours without errors`,
          confidence: 0.9,
          reversible: true,
          context: {
            release_notes: `https://git.example.com/${service}/releases/${version}`,
            rollback: `${service}:${previous}`,
            diff: {
              path: `deploy/${service}.yaml`,
              before: { image: `${service}:${previous}` },
              after: { image: `${service}:${version}` },
            },
            simulation: { pods_replaced: 4, expected_downtime_s: 0, surge: '25%' },
            tests: 'passing',
          },
        },
      };
    },
  },
  {
    agent: 'billing-bot',
    weight: 3,
    make: (n, random) => {
      const amount = random.pick([120, 980, 4_500, 12_000, 26_000, 48_000, 150_000]);
      return {
        kind: 'payment',
        action: {
          action_type: 'transfer',
          capability: 'payment',
          environment: 'production',
          amount_usd: amount,
          currency: 'USD',
          payee: random.pick(['Acme Hosting', 'Northwind Logistics', 'Globex Consulting', 'Initech Supplies']),
          summary: `Pay invoice INV-${4000 + n} ($${amount.toLocaleString('en-US')})`,
          reversible: false,
        },
      };
    },
  },
  {
    agent: 'ops-bot',
    weight: 2,
    make: (n, random) => {
      if (random.chance(0.1))
        return {
          kind: 'delete',
          action: {
            action_type: 'delete',
            environment: 'staging',
            capability: 'database',
            table: 'orders_load_test',
            summary: 'Delete the load-test copy of orders in staging',
            reasoning: 'the load test finished yesterday',
            confidence: 0.9,
            reversible: false,
          },
        };
      if (random.chance(0.12)) {
        const table = `${random.pick(TABLES)}_archive_${2019 + (n % 5)}`;
        return {
          kind: 'delete',
          action: {
            action_type: 'delete',
            environment: 'production',
            capability: 'database',
            table,
            summary: `Delete the unused table ${table}`,
            reasoning: 'no reads in 90 days according to the query log',
            confidence: 0.85,
            reversible: false,
          },
        };
      }
      const replicas = random.pick([4, 5, 8, 12]);
      return {
        kind: 'scale',
        action: {
          action_type: 'scale_up',
          environment: 'production',
          capability: 'kubernetes',
          service: 'web',
          replicas,
          previous_replicas: 3,
          summary: `Scale the web tier from 3 to ${replicas} replicas`,
          reasoning: 'p95 latency above 400 ms for 5 minutes',
          confidence: random.pick([0.95, 0.7, 0.88]),
          reversible: true,
        },
      };
    },
  },
  {
    agent: 'data-bot',
    weight: 4,
    make: (_n, random) => {
      const table = random.pick(TABLES);
      if (random.chance(0.08))
        return {
          kind: 'destructive',
          action: {
            action_type: 'truncate',
            environment: 'production',
            capability: 'database',
            table: 'sessions',
            summary: 'Truncate the sessions table to free 40 GB',
            reasoning: 'the disk is 91% full',
            reversible: false,
          },
        };
      const records = random.pick([200, 800, 3_000, 5_000, 12_000]);
      return {
        kind: records > 1000 ? 'backfill' : 'data-fix',
        action: {
          action_type: 'update',
          environment: 'production',
          capability: 'database',
          table,
          affected_records: records,
          summary:
            records > 1000
              ? `Backfill the segment of ${records.toLocaleString('en-US')} ${table}`
              : `Fix the country code of ${records} ${table}`,
          reasoning:
            records > 1000 ? 'the nightly segmentation job missed these rows' : 'a bad import set the country to `UK` instead of `GB`',
          reversible: true,
        },
      };
    },
  },
];

export const DEMO_AGENTS = [...new Set(TEMPLATES.map((template) => template.agent))];

/** What an agent submitted and what the server answered. */
export interface Submitted {
  kind: ActionKind;
  agent: string;
  reply: { id: string; decision: string; status: string; approval?: { id: string } };
}

/**
 * Sends one action at a time, `gap()` apart, as the agent its template names; `onSubmitted` hears
 * every answer, so the people and workers can notice what is waiting for them.
 */
export class SimulatedAgents {
  #n = 0;
  /** Keys stay unique when a demo is started again on the same database. */
  readonly #run = randomUUID().slice(0, 8);
  readonly #bag: Template[];
  /** Which kind each submitted action is, by action id: the people judge by it. */
  readonly kinds = new Map<string, ActionKind>();

  constructor(
    private readonly simulation: Simulation,
    private readonly random: Random,
    private readonly keys: Map<string, Call>,
    private readonly gap: () => number,
    private readonly onSubmitted: (submitted: Submitted) => void,
  ) {
    this.#bag = TEMPLATES.flatMap((template) => Array.from({ length: template.weight }, () => template));
  }

  #chain = 0;

  /** Starts sending, or starts again at the present pace (the history's gaps are far longer than the live demo's). */
  start(): void {
    const chain = ++this.#chain;
    this.simulation.after(this.gap(), () => this.#submit(chain));
  }

  async #submit(chain: number): Promise<void> {
    if (chain !== this.#chain) return;
    this.simulation.after(this.gap(), () => this.#submit(chain));
    this.#n += 1;
    const template = this.random.pick(this.#bag);
    const call = this.keys.get(template.agent);
    if (call === undefined) return;
    const { kind, action } = template.make(this.#n, this.random);
    // Each submission is a task of its own, as an agent's idempotency key says: without one, an
    // action identical to one still waiting would be taken for its retry (the same request).
    const task = { ...action, idempotency_key: `demo-${this.#run}-${this.#n}` };
    const reply = await call<Submitted['reply']>('POST', '/v1/actions', task);
    if (reply.status !== 201) throw new Error(`${template.agent}'s action was refused: ${JSON.stringify(reply.body)}`);
    this.kinds.set(reply.body.id, kind);
    this.onSubmitted({ kind, agent: template.agent, reply: reply.body });
  }
}
