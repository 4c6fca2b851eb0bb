// What the approvals suite runs on: its policy folder, a fresh SQLite file or PostgreSQL schema,
// and the database kinds asked for (TOLLGATE_BENCH_DB=sqlite,postgres).
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export type Kind = 'sqlite' | 'postgres';

export const POSTGRES_URL = process.env.TOLLGATE_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Two distinct approvers for every production deploy (the lifecycle); one-minute deadlines (the timers). */
export const POLICY = `
defaults: { decision: ALLOW, timeout: 1m, on_timeout: deny }
rules:
  - name: production-deploys
    match: { environment: production, action_type: deploy }
    decision: REQUIRE_APPROVAL
    approvers: [approvers]
    require: 2
`;

export function kinds(): Kind[] {
  const wanted = (process.env.TOLLGATE_BENCH_DB ?? 'sqlite').split(',').map((kind) => kind.trim());
  const unknown = wanted.filter((kind) => kind !== 'sqlite' && kind !== 'postgres');
  if (unknown.length > 0) throw new Error(`TOLLGATE_BENCH_DB must be sqlite, postgres or both comma-separated, not ${unknown.join(', ')}`);
  return wanted as Kind[];
}

export interface BenchDatabase {
  kind: Kind;
  /** The `--db` value: a file path or a PostgreSQL URL with `?schema=`. */
  url: string;
  /** A policy folder holding POLICY. */
  policy: string;
  drop(): Promise<void>;
}

async function postgres(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function createDatabase(kind: Kind): Promise<BenchDatabase> {
  const folder = mkdtempSync(join(tmpdir(), 'tollgate-bench-approvals-'));
  const policy = join(folder, 'policy');
  mkdirSync(policy);
  writeFileSync(join(policy, 'policy.yaml'), POLICY);
  const removeFolder = async (): Promise<void> => rmSync(folder, { recursive: true, force: true });
  if (kind === 'sqlite') return { kind, url: join(folder, 'tollgate.db'), policy, drop: removeFolder };
  const schema = `tollgate_bench_${randomBytes(6).toString('hex')}`;
  await postgres(`create schema ${schema}`);
  return {
    kind,
    url: `${POSTGRES_URL}?schema=${schema}`,
    policy,
    async drop() {
      await postgres(`drop schema if exists ${schema} cascade`);
      await removeFolder();
    },
  };
}
