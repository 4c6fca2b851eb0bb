// The load the durability tests submit: a mix of the guide's actions, half allowed at once and
// half held for people, half of them with an idempotency key so both ways of storing are covered.

export function guideActionMix(n: number, keyPrefix: string): Record<string, unknown> {
  const body: Record<string, unknown> = [
    { action_type: 'deploy', environment: 'staging', summary: `deploy build ${n}` },
    { action_type: 'deploy', environment: 'production', summary: `deploy build ${n}` },
    { action_type: 'transfer', capability: 'payment', amount_usd: 50 + (n % 500), environment: 'staging' },
    { action_type: 'transfer', capability: 'payment', amount_usd: 20_000 + n, environment: 'staging' },
    { action_type: 'read_only_query', environment: 'production', query: `select ${n}` },
    { action_type: 'update', environment: 'staging', affected_records: 5_000 + n },
  ][n % 6]!;
  if (n % 2 === 0) body.idempotency_key = `${keyPrefix}-${n}`;
  return body;
}
