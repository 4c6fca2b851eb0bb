// `tollgate users link-slack|link-email|link-jira|link-servicenow` in-process through main(): the identity is stored for
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

  it('links a person to their Jira account and ServiceNow user, refusing what is neither', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'tollgate-link-')), 'tollgate.db');
    expect((await run('users', 'add', '--db', db, '--name', 'bob', '--password', 'bob-password', '--role', 'approver')).code).toBe(0);
    const cloud = await run(
      'users',
      'link-jira',
      '--db',
      db,
      '--name',
      'bob',
      '--jira-user',
      '712020:2e1f6a0b-4c5d-4e6f-8a9b-0c1d2e3f4a5b',
    );
    expect(cloud).toMatchObject({
      code: 0,
      out: expect.stringContaining('linked jira 712020:2e1f6a0b-4c5d-4e6f-8a9b-0c1d2e3f4a5b to bob'),
    });
    expect((await run('users', 'link-jira', '--db', db, '--name', 'bob', '--jira-user', 'bob.smith')).code).toBe(0);
    const snow = await run('users', 'link-servicenow', '--db', db, '--name', 'bob', '--servicenow-user', 'bob.smith');
    expect(snow.out).toContain('linked servicenow bob.smith to bob');
    const bad = await run('users', 'link-jira', '--db', db, '--name', 'bob', '--jira-user', 'bob smith"; DROP');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('is not a jira account id or user name');
    const badSnow = await run('users', 'link-servicenow', '--db', db, '--name', 'bob', '--servicenow-user', '<b>');
    expect(badSnow.err).toContain('is not a servicenow user name');

    const store = await openStore(db);
    try {
      const bob = await store.users.findByName('default', 'bob');
      expect(await store.identities.findUser('default', 'jira', '712020:2e1f6a0b-4c5d-4e6f-8a9b-0c1d2e3f4a5b')).toBe(bob!.id);
      expect(await store.identities.findUser('default', 'jira', 'bob.smith')).toBe(bob!.id);
      expect(await store.identities.findUser('default', 'servicenow', 'bob.smith')).toBe(bob!.id);
      // Kinds are apart: a ServiceNow user name is not a Slack id.
      expect(await store.identities.findUser('default', 'slack', 'bob.smith')).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
