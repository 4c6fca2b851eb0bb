// Drives a server with autocannon from the bench process: a warm-up, then a timed run of POST
// /v1/actions with a mix of the guide's actions; latencies are kept exactly, per response.
import autocannon, { type Options, type Result } from 'autocannon';
import { percentile } from '../../lib/stats.js';

/** The mix: 8 of 10 allowed at once, 2 held for approval, under examples/guide. */
const MIX: { decision: string; action: Record<string, unknown> }[] = [
  {
    decision: 'ALLOW',
    action: { action_type: 'deploy', environment: 'staging', service: 'checkout', version: 'v2.3.1', summary: 'deploy v2.3.1 to staging' },
  },
  {
    decision: 'ALLOW',
    action: {
      action_type: 'transfer',
      capability: 'payment',
      amount_usd: 120,
      currency: 'USD',
      environment: 'staging',
      memo: 'refund #4411',
    },
  },
  {
    decision: 'ALLOW',
    action: {
      action_type: 'read_only_query',
      environment: 'production',
      query: 'select count(*) from orders where created_at > now() - interval 1 day',
    },
  },
  { decision: 'ALLOW', action: { action_type: 'scale_up', environment: 'production', service: 'api', replicas: 4 } },
  {
    decision: 'ALLOW',
    action: { action_type: 'update', environment: 'staging', table: 'customers', affected_records: 40, summary: 'fix country codes' },
  },
  {
    decision: 'ALLOW',
    action: { action_type: 'send_email', capability: 'email', to: 'ops@example.com', subject: 'weekly report', body_chars: 1200 },
  },
  {
    decision: 'ALLOW',
    action: {
      action_type: 'transfer',
      capability: 'payment',
      amount_usd: 9000,
      currency: 'USD',
      environment: 'staging',
      memo: 'invoice 1187',
    },
  },
  {
    decision: 'ALLOW',
    action: { action_type: 'deploy', environment: 'staging', service: 'search', version: 'v1.9.0', summary: 'deploy v1.9.0 to staging' },
  },
  {
    decision: 'REQUIRE_APPROVAL',
    action: {
      action_type: 'deploy',
      environment: 'production',
      service: 'checkout',
      version: 'v2.3.1',
      summary: 'deploy v2.3.1 to production',
    },
  },
  {
    decision: 'REQUIRE_APPROVAL',
    action: {
      action_type: 'transfer',
      capability: 'payment',
      amount_usd: 25000,
      currency: 'USD',
      environment: 'staging',
      memo: 'vendor payout',
    },
  },
];

export interface LoadOptions {
  connections: number;
  durationS: number;
  warmupS: number;
}

export interface LoadResult {
  requests: number;
  ok: number;
  per_s: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  errors: number;
  timeouts: number;
  non_2xx: number;
  status_codes: Record<string, number>;
}

let sequence = 0;
const prefix = `bench-${process.pid}-${Date.now().toString(36)}`;

/**
 * Every other request carries a fresh idempotency key, as a retrying agent's would; the others a
 * number of their own, so that each is a new action (one identical to an action still pending is
 * answered with that one, and would not open a request).
 */
function nextBody(): string {
  const n = sequence++;
  const { action } = MIX[n % MIX.length]!;
  return JSON.stringify(n % 2 === 0 ? { ...action, idempotency_key: `${prefix}-${n}` } : { ...action, request: n });
}

/** Submits each action of the mix once and lists those not decided as the mix expects. */
export async function checkMix(url: string, key: string): Promise<string[]> {
  const wrong: string[] = [];
  for (const { decision, action } of MIX) {
    const response = await fetch(`${url}/v1/actions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(action),
    });
    const answer = (await response.json()) as { decision?: string };
    if (response.status !== 201 || answer.decision !== decision)
      wrong.push(`${String(action.action_type)}: ${response.status} ${answer.decision ?? JSON.stringify(answer)}, expected ${decision}`);
  }
  return wrong;
}

function cannon(url: string, key: string | undefined, durationS: number, connections: number, latencies?: number[]): Promise<Result> {
  const options: Options = {
    url,
    connections,
    duration: durationS,
    headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { authorization: `Bearer ${key}` }) },
    requests: [{ method: 'POST', path: '/v1/actions', setupRequest: (request) => ({ ...request, body: nextBody() }) }],
  };
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error, result) => (error === null ? resolve(result) : reject(error)));
    if (latencies !== undefined) {
      instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
        if (status >= 200 && status < 300) latencies.push(ms);
      });
    }
  });
}

/**
 * Warm-up, then the timed run. With several URLs (nodes of one deployment behind a notional load
 * balancer) the connections are split evenly between them, one autocannon each, all at once;
 * their counts are summed and their latencies pooled.
 */
export async function measureLoad(urls: string | string[], key: string | undefined, options: LoadOptions): Promise<LoadResult> {
  const targets = typeof urls === 'string' ? [urls] : urls;
  const share = (index: number): number =>
    Math.floor(options.connections / targets.length) + (index < options.connections % targets.length ? 1 : 0);
  if (options.warmupS > 0) await Promise.all(targets.map((url, i) => cannon(url, key, options.warmupS, share(i))));
  const latencies: number[] = [];
  const results = await Promise.all(targets.map((url, i) => cannon(url, key, options.durationS, share(i), latencies)));
  const sorted = Float64Array.from(latencies).sort();
  const statusCodes: Record<string, number> = {};
  for (const result of results) {
    for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = (statusCodes[code] ?? 0) + count;
  }
  const sum = (of: (result: Result) => number): number => results.reduce((total, result) => total + of(result), 0);
  return {
    requests: sum((r) => r.requests.sent),
    ok: sum((r) => r['2xx']),
    per_s: sum((r) => r['2xx'] / r.duration),
    p50_ms: percentile(sorted, 50),
    p99_ms: percentile(sorted, 99),
    max_ms: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1]!,
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    non_2xx: sum((r) => r.non2xx),
    status_codes: statusCodes,
  };
}
