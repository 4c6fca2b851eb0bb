// A PostgreSQL cluster of a test's own, in a temporary folder on a free port, for tests that stop
// and start the database: the machine's shared PostgreSQL serves other tests and is never touched.

import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PrivatePostgres {
  /** The `--db` URL of the cluster's `postgres` database. */
  url: string;
  /** Stops the cluster (`pg_ctl stop -m fast`: open connections are terminated). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the cluster if it runs and deletes its folder; safe to call more than once. */
  destroy(): Promise<void>;
}

/** The folder with initdb and pg_ctl: TOLLGATE_TEST_POSTGRES_BIN, else the newest /usr/lib/postgresql/N/bin. */
function binaries(): string {
  const configured = process.env.TOLLGATE_TEST_POSTGRES_BIN;
  if (configured !== undefined && configured !== '') return configured;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => existsSync(join(root, name, 'bin', 'pg_ctl')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0] === undefined) {
    throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql; set TOLLGATE_TEST_POSTGRES_BIN to the folder with pg_ctl');
  }
  return join(root, versions[0], 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** PostgreSQL refuses to run as root; as root, its programs run as the `postgres` account. */
async function runner(): Promise<{
  command: (program: string, args: string[]) => [string, string[]];
  owner?: { uid: number; gid: number };
}> {
  if (process.getuid?.() !== 0) return { command: (program, args) => [program, args] };
  const { stdout: uid } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  return {
    command: (program, args) => ['runuser', ['-u', 'postgres', '--', program, ...args]],
    owner: { uid: Number(uid.trim()), gid: Number(gid.trim()) },
  };
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binaries();
  const { command, owner } = await runner();
  const folder = mkdtempSync(join(tmpdir(), 'tollgate-pg-'));
  if (owner !== undefined) chownSync(folder, owner.uid, owner.gid);
  const data = join(folder, 'data');
  const log = join(folder, 'server.log');
  const pg = async (program: string, args: string[], timeoutMs = 30_000): Promise<void> => {
    const [file, argv] = command(join(bin, program), args);
    try {
      await run(file, argv, { timeout: timeoutMs });
    } catch (error) {
      const logText = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
      throw new Error(`${program} failed: ${(error as Error).message}\n${logText}`, { cause: error });
    }
  };

  await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '--no-locale', '-E', 'UTF8']);
  const port = await freePort();
  // The socket stays in the test's folder; fsync is off because every stop here is a clean one.
  const serverOptions = `-p ${port} -k ${folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`;
  let running = false;
  const cluster: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      await pg('pg_ctl', ['start', '-w', '-t', '20', '-D', data, '-l', log, '-o', serverOptions]);
      running = true;
    },
    async stop() {
      await pg('pg_ctl', ['stop', '-w', '-t', '20', '-m', 'fast', '-D', data]);
      running = false;
    },
    async destroy() {
      try {
        if (running || existsSync(join(data, 'postmaster.pid')))
          await pg('pg_ctl', ['stop', '-w', '-t', '20', '-m', 'immediate', '-D', data]);
      } catch {
        // Already stopped, or never started: nothing left to end.
      }
      running = false;
      rmSync(folder, { recursive: true, force: true });
    },
  };
  try {
    await cluster.start();
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  return cluster;
}
