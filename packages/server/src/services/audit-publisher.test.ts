// The signing rounds on a real SQLite store: heads signed with the key from the environment,
// one signed head per moved head, a failing webhook retried next round with what it missed, and
// a last round at stop.

import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditKeys } from '../config/audit-keys.js';
import { parseServerSettings } from '../config/server-settings.js';
import { openStore } from '../stores/open-store.js';
import type { Store } from '../stores/store.js';
import { ManualClock } from '../util/clock.js';
import { appendAudit } from './audit-chain.js';
import { AuditPublisher } from './audit-publisher.js';
import { AuditService } from './audit-service.js';
import { checkSignature, newSigningKeyPem, signingKeyFromPem, type SignedHead } from './audit-signing.js';

describe('audit head publishing', () => {
  let folder: string;
  let store: Store;
  let listener: http.Server;
  let hookUrl: string;
  const received: SignedHead[] = [];
  let failNext = 0;
  const clock = new ManualClock();

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'tollgate-audit-publisher-'));
    store = await openStore(join(folder, 'tollgate.db'));
    await store.migrate();
    for (const id of ['north', 'south']) await store.tenants.ensure({ id, name: id, created_at: clock.now() });
    listener = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        if (failNext > 0) {
          failNext--;
          response.writeHead(503).end();
          return;
        }
        received.push(JSON.parse(body) as SignedHead);
        response.writeHead(204).end();
      });
    });
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    hookUrl = `http://127.0.0.1:${(listener.address() as { port: number }).port}/heads`;
  });

  afterAll(async () => {
    await store?.close();
    listener?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  const append = (tenantId: string, count: number) =>
    store.transaction((scope) =>
      appendAudit(
        scope,
        tenantId,
        Array.from({ length: count }, (_, i) => ({ type: 'test.event', actor: 'system', data: { i } })),
        clock.now(),
      ),
    );

  it('signs moved heads with the key from the environment, and retries a failing webhook with every head it missed', async () => {
    const pem = newSigningKeyPem();
    const settings = parseServerSettings({
      audit: { signing_key_env: 'AUDIT_KEY', publish: { every: '1m', file: join(folder, 'heads.jsonl'), webhook: hookUrl } },
    });
    const keys = auditKeys(settings.audit, { AUDIT_KEY: pem });
    const audit = new AuditService({ store, keys });
    const publisher = new AuditPublisher({ store, clock, audit, settings: settings.audit, timeoutMs: 2000 });
    const key = signingKeyFromPem(pem);

    await append('north', 3);
    await append('south', 2);
    failNext = 1;
    const first = await publisher.round();
    expect(first.signed.map((head) => [head.tenant, head.seq, head.key_id])).toEqual([
      ['north', 3, key.keyId],
      ['south', 2, key.keyId],
    ]);
    expect(first.failed).toEqual([{ sink: expect.stringMatching(/^webhook /), error: 'answered 503' }]);
    expect(received).toEqual([]);

    // Nothing moved in south; north moved. The webhook gets what it missed, in order, then the new head.
    await append('north', 1);
    clock.advance(60_000);
    const second = await publisher.round();
    expect(second.signed.map((head) => [head.tenant, head.seq])).toEqual([['north', 4]]);
    expect(second.failed).toEqual([]);
    expect(received.map((head) => [head.tenant, head.seq])).toEqual([
      ['north', 3],
      ['south', 2],
      ['north', 4],
    ]);
    const lines = readFileSync(join(folder, 'heads.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as SignedHead);
    expect(lines).toEqual(received);
    for (const head of received) expect(checkSignature(head, [key])).toBe('ok');

    // Stopping signs once more: the events written just before a shutdown are covered.
    await append('south', 1);
    await publisher.stop();
    expect(received.at(-1)).toMatchObject({ tenant: 'south', seq: 3 });
    expect((await store.auditSignatures.list('south')).map((row) => row.seq)).toEqual([2, 3]);
    expect(await audit.verify('south')).toMatchObject({ ok: true, signed: { heads: 2, up_to: 3 } });
  });

  it('refuses to start on a signing key variable that is unset or holds no Ed25519 key', () => {
    const settings = parseServerSettings({ audit: { signing_key_env: 'AUDIT_KEY' } });
    expect(() => auditKeys(settings.audit, {})).toThrow(/`AUDIT_KEY`, which is not set/);
    expect(() => auditKeys(settings.audit, { AUDIT_KEY: 'not a key' })).toThrow(/must hold an Ed25519 private key/);
  });
});
