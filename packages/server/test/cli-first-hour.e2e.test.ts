// What a new user meets in the first hour at the shell, run through the real `tollgate` command:
// a port already taken, output into a closed pipe.

import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli-process.js';
import { createTestDatabase, DATABASES, type TestDatabase } from './helpers/databases.js';

/** A stack trace line, as Node prints one: what a user must never see for an ordinary mistake. */
const STACK = /^\s+at /m;

describe('a port already in use', () => {
  let holder: Server;
  let port: number;
  beforeAll(async () => {
    holder = createServer();
    holder.listen(0, '127.0.0.1');
    await once(holder, 'listening');
    port = (holder.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => holder.close(() => resolve())));

  describe.each(DATABASES)('on %s', (kind) => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase(kind);
    });
    afterAll(() => database.drop());

    it.each(['serve', 'demo'])('`tollgate %s` ends at once with one line naming --port', async (command) => {
      const run = await runCli([command, '--db', database.url, '--port', String(port), '--log-level', 'warn']);
      expect(run.code, `still running at the limit:\n${run.stderr}`).not.toBeNull();
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toBe(`error: port ${port} on 127.0.0.1 is already in use; choose another with --port`);
      expect(run.stderr).not.toMatch(STACK);
      expect(run.stdout).toBe('');
    });
  });
});
