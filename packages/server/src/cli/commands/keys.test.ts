// `tollgate keys create|list` in-process through main(): an agent key as before, a worker key with
// its capabilities (printed once, listed with its kind), and bad input refused with one line
// naming the option, before the database is touched.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuthService } from '../../services/auth-service.js';
import { openStore } from '../../stores/open-store.js';
import { systemClock } from '../../util/clock.js';
import { EXIT } from '../io.js';
import { main } from '../main.js';

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'tollgate', ...args], { out: (text) => out.push(text), err: (text) => err.push(text) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('tollgate keys', () => {
  it('creates agent and worker keys, lists them with their kind and capabilities', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'tollgate-keys-')), 'tollgate.db');
    const agent = await run('keys', 'create', '--db', db, '--agent', 'deploy-bot');
    expect(agent).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^tg_key_\w+$/),
      err: expect.stringContaining('for agent deploy-bot'),
    });
    const worker = await run(
      'keys',
      'create',
      '--db',
      db,
      '--worker',
      'analyzer-1',
      '--capability',
      'deployment-analyzer',
      '--capability',
      'risk-scan',
    );
    expect(worker).toMatchObject({ code: 0, out: expect.stringMatching(/^tg_key_\w+$/) });
    expect(worker.err).toContain('worker key');
    expect(worker.err).toContain('deployment-analyzer, risk-scan');

    const store = await openStore(db);
    try {
      const auth = new AuthService({ store, clock: systemClock });
      expect(await auth.authenticate(agent.out)).toMatchObject({ kind: 'agent', agent: 'deploy-bot' });
      expect(await auth.authenticate(worker.out)).toMatchObject({
        kind: 'worker',
        worker: 'analyzer-1',
        capabilities: ['deployment-analyzer', 'risk-scan'],
      });
    } finally {
      await store.close();
    }

    const listed = await run('keys', 'list', '--db', db);
    expect(listed.code).toBe(0);
    const [agentLine, workerLine] = listed.out.split('\n');
    expect(agentLine).toMatch(/deploy-bot\s+agent\s/);
    expect(agentLine).not.toContain('capabilities');
    expect(workerLine).toMatch(/analyzer-1\s+worker\s.*capabilities: deployment-analyzer, risk-scan$/);
    expect(listed.out).not.toContain(worker.out);
  });

  it('refuses bad input with one line naming the option, and changes nothing', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'tollgate-keys-')), 'tollgate.db');
    const cases: [string[], RegExp][] = [
      [['--worker', 'analyzer-1'], /^error: --worker needs at least one --capability/],
      [['--worker', 'analyzer-1', '--agent', 'deploy-bot', '--capability', 'c'], /^error: --agent and --worker exclude each other/],
      [['--agent', 'deploy-bot', '--capability', 'c'], /^error: --capability is for worker keys/],
      [[], /^error: name the key’s owner: --agent NAME .* --worker NAME --capability C/],
      [['--worker', 'analyzer-1', '--capability', 'two words'], /^error: --capability: capability `two words` is not/],
      [['--worker', 'bad name', '--capability', 'c'], /^error: --worker: a worker name is/],
      [['--worker', 'analyzer-1', '--capability', 'c', '--capabilities', 'd'], /^error: unknown option '--capabilities'/],
    ];
    for (const [args, message] of cases) {
      const answer = await run('keys', 'create', '--db', db, ...args);
      expect(answer.code, args.join(' ')).toBe(EXIT.usage);
      expect(answer.out, args.join(' ')).toBe('');
      expect(answer.err.split('\n')[0], args.join(' ')).toMatch(message);
    }
    expect(existsSync(db)).toBe(false);
  });
});
