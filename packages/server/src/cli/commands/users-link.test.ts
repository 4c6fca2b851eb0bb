// `tollgate users link-slack|link-email` in-process through main(): the identity is stored for
// the named person and audited; a malformed id or an unknown person is refused and stores nothing.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../stores/open-store.js';
import { main } from '../main.js';

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'tollgate', ...args], { out: (text) => out.push(text), err: (text) => err.push(text) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('tollgate users link-slack and link-email', () => {
  it('links a person to their Slack user id and e-mail address', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'tollgate-link-')), 'tollgate.db');
    expect((await run('users', 'add', '--db', db, '--name', 'alice', '--password', 'alice-password', '--role', 'approver')).code).toBe(0);
    const slack = await run('users', 'link-slack', '--db', db, '--name', 'alice', '--slack-id', 'U012AB3CD');
    expect(slack).toMatchObject({ code: 0, out: expect.stringContaining('linked slack U012AB3CD to alice') });
    const email = await run('users', 'link-email', '--db', db, '--name', 'alice', '--email', 'Alice@Example.com');
    expect(email.out).toContain('linked email alice@example.com to alice');
    const bad = await run('users', 'link-slack', '--db', db, '--name', 'alice', '--slack-id', 'alice');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('is not a slack user id');
    const unknown = await run('users', 'link-slack', '--db', db, '--name', 'zed', '--slack-id', 'U0ZED');
    expect(unknown.code).not.toBe(0);
    expect(unknown.err).toContain('no user `zed`');

    const store = await openStore(db);
    try {
      const alice = await store.users.findByName('default', 'alice');
      expect(await store.identities.findUser('default', 'slack', 'U012AB3CD')).toBe(alice!.id);
      expect(await store.identities.findUser('default', 'slack', 'U0ZED')).toBeUndefined();
      expect((await store.identities.ofUsers('default', 'email', [alice!.id])).get(alice!.id)).toBe('alice@example.com');
      expect((await store.audit.list('default', { type: 'user.linked' })).map((event) => event.data)).toEqual([
        { kind: 'slack', value: 'U012AB3CD' },
        { kind: 'email', value: 'alice@example.com' },
      ]);
    } finally {
      await store.close();
    }
  });
});
