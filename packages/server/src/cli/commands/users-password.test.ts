// `tollgate users set-password` in-process through main(): the first admin's printed password can
// be replaced; the old one stops working, every session of the person ends, and it is audited.
// A short password or an unknown name is refused and changes nothing.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuthService } from '../../services/auth-service.js';
import { openStore } from '../../stores/open-store.js';
import { systemClock } from '../../util/clock.js';
import { main } from '../main.js';

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'tollgate', ...args], { out: (text) => out.push(text), err: (text) => err.push(text) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('tollgate users set-password', () => {
  it('replaces the password, ends the sessions, audits it, and refuses bad input', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'tollgate-password-')), 'tollgate.db');
    expect((await run('users', 'add', '--db', db, '--name', 'admin', '--password', 'printed-once', '--role', 'admin')).code).toBe(0);
    const store = await openStore(db);
    try {
      const auth = new AuthService({ store, clock: systemClock });
      const session = await auth.login('admin', 'printed-once');
      expect(await auth.authenticate(session.token)).toBeDefined();

      const changed = await run('users', 'set-password', '--db', db, '--name', 'admin', '--password', 'chosen-by-me');
      expect(changed).toMatchObject({ code: 0, out: expect.stringContaining('1 session ended') });
      expect(await auth.authenticate(session.token)).toBeUndefined();
      await expect(auth.login('admin', 'printed-once')).rejects.toThrow();
      expect((await auth.login('admin', 'chosen-by-me')).user.name).toBe('admin');

      const short = await run('users', 'set-password', '--db', db, '--name', 'admin', '--password', 'short');
      expect(short.code).not.toBe(0);
      expect(short.err).toMatch(/password.*8 characters/);
      const unknown = await run('users', 'set-password', '--db', db, '--name', 'zed', '--password', 'long-enough');
      expect(unknown.code).not.toBe(0);
      expect(unknown.err).toContain('no user named `zed`');
      expect((await auth.login('admin', 'chosen-by-me')).user.name).toBe('admin');

      const audited = await store.audit.list('default', { type: 'user.password_changed' });
      expect(audited.map((event) => ({ actor: event.actor, data: event.data }))).toEqual([
        { actor: 'cli', data: { name: 'admin', sessions_ended: 1 } },
      ]);
    } finally {
      await store.close();
    }
  });
});
