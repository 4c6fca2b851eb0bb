// The servers under load, each in a child process of its own: the bare Fastify baseline and
// `tollgate serve` on a fresh SQLite file or PostgreSQL schema, with an agent key.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(REPO, 'packages/server/bin/tollgate.js');
const BARE = fileURLToPath(new URL('./bare-server.ts', import.meta.url));
export const POSTGRES_URL = process.env.TOLLGATE_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface ChildServer {
  url: string;
  pid: number;
  output(): string;
  /** SIGTERM, then the exit code once the process has exited (SIGKILL after 10 s). */
  stop(): Promise<number | null>;
}

// Both servers run as in production: NODE_ENV=production turns off checks meant for development.
async function spawnServer(args: string[]): Promise<ChildServer> {
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 20 s:\n${output}`)), 20_000);
    const check = (): void => {
      const match = /serving at (http:\/\/\S+)/.exec(output);
      if (match === null) return;
      clearTimeout(timer);
      resolve(match[1]!);
    };
    child.stdout!.on('data', check);
    void exited.then(([code]) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    pid: child.pid!,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const [code] = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export function startBare(): Promise<ChildServer> {
  return spawnServer(['--import', 'tsx', BARE]);
}

export interface BenchDatabase {
  kind: 'sqlite' | 'postgres';
  url: string;
  drop(): Promise<void>;
}

export async function createDatabase(kind: 'sqlite' | 'postgres'): Promise<BenchDatabase> {
  if (kind === 'sqlite') {
    const folder = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
    return { kind, url: join(folder, 'tollgate.db'), drop: async () => rmSync(folder, { recursive: true, force: true }) };
  }
  const schema = `tollgate_bench_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string): Promise<void> => {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`create schema ${schema}`);
  return { kind, url: `${POSTGRES_URL}?schema=${schema}`, drop: () => admin(`drop schema if exists ${schema} cascade`) };
}

/** `tollgate serve` as an operator would run it for a benchmark; `nodeArgs` e.g. for --cpu-prof. */
export function startTollgate(db: string, nodeArgs: string[] = []): Promise<ChildServer> {
  return spawnServer([
    ...nodeArgs,
    BIN,
    'serve',
    '--db',
    db,
    '--policy',
    'examples/guide',
    '--port',
    '0',
    '--rate-limit',
    '0',
    '--log-level',
    'warn',
  ]);
}

export async function createAgentKey(db: string, agent: string): Promise<string> {
  const { stdout } = await run(process.execPath, [BIN, 'keys', 'create', '--db', db, '--agent', agent], { cwd: REPO });
  return stdout.trim();
}
