// The audit chain against someone who can write the database: events removed from the end with the
// head moved back, or an event rewritten with every later hash and the head recomputed, verify as
// an unkeyed chain, but not against the server's signed heads (stored, and published to a file and
// a webhook). Signatures by another key are refused. The attacks are made straight in SQLite and
// PostgreSQL; `tollgate audit verify` (the real CLI) and `GET /v1/audit/verify` give the verdict.

import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/services/audit-chain.js';
import {
  checkSignature,
  newSigningKeyPem,
  signHead,
  signingKeyFromPem,
  toSignatureRow,
  verifyKeyFromPem,
  type SignedHead,
} from '../../src/services/audit-signing.js';
import { eventHash } from '../../src/stores/audit-seal.js';
import type { AuditEvent } from '../../src/stores/records.js';
import { createTestDatabase, DATABASES, type DatabaseKind, type TestDatabase } from '../helpers/databases.js';
import { BIN, REPO } from '../helpers/server-process.js';
import { startHarness, type Harness } from './harness.js';

const POLICY = 'defaults: { decision: ALLOW }\n';

interface Cli {
  code: number;
  stdout: string;
  stderr: string;
}

function tollgate(...args: string[]): Promise<Cli> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: REPO }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : ((error as { code?: number }).code ?? 1), stdout, stderr });
    });
  });
}

/** SQL as an attacker with database access runs it: `?` placeholders, on either database. */
interface RawDatabase {
  query(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

async function rawDatabase(kind: DatabaseKind, url: string): Promise<RawDatabase> {
  if (kind === 'sqlite') {
    const db = new Database(url);
    db.pragma('busy_timeout = 5000');
    return {
      async query(text, params = []) {
        const statement = db.prepare(text);
        if (statement.reader) return statement.all(...params) as Record<string, unknown>[];
        statement.run(...params);
        return [];
      },
      async close() {
        db.close();
      },
    };
  }
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema')!;
  parsed.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: parsed.toString() });
  await client.connect();
  await client.query(`set search_path to ${schema}`);
  return {
    async query(text, params = []) {
      let n = 0;
      return (
        await client.query(
          text.replace(/\?/g, () => `$${++n}`),
          params,
        )
      ).rows as Record<string, unknown>[];
    },
    close: () => client.end(),
  };
}

interface Listener {
  url: string;
  bodies: SignedHead[];
  close(): Promise<void>;
}

/** The operator's webhook: keeps every signed head POSTed to it. */
async function startListener(): Promise<Listener> {
  const bodies: SignedHead[] = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.method === 'POST' && request.headers['content-type'] === 'application/json') bodies.push(JSON.parse(body));
      response.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/audit-heads`, bodies, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe.each(DATABASES)('signed audit chain heads on %s', (kind) => {
  let database: TestDatabase;
  let server: Harness;
  let listener: Listener;
  let raw: RawDatabase;
  let folder: string;
  let publishFile: string;
  let publicKeyFile: string;

  const published = (): SignedHead[] =>
    readFileSync(publishFile, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as SignedHead);

  /** A tenant with an auditor and `actions` allowed actions on its trail. */
  async function tenantWithTrail(tenant: string, actions: number): Promise<{ auditor: string; agent: string }> {
    const auditor = await server.person(`${tenant}-auditor`, 'auditor', { tenant });
    const agent = await server.agent(`${tenant}-bot`, tenant);
    await addActions(agent.token, actions);
    return { auditor: auditor.token, agent: agent.token };
  }

  let reads = 0;
  /** Numbered, so each is an action of its own (one identical to a pending one would be that one). */
  async function addActions(token: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const answer = await server.send('POST', '/v1/actions', { token, body: { action_type: 'read', summary: `read ${++reads}` } });
      expect(answer.status, answer.text).toBe(201);
    }
  }

  /** One signing round; the tenant's head it signed. */
  async function signRound(tenant: string): Promise<SignedHead> {
    const round = await server.services.auditPublisher.round();
    expect(round.failed).toEqual([]);
    const head = round.signed.find((signed) => signed.tenant === tenant);
    expect(head, `a head of ${tenant} signed`).toBeDefined();
    return head!;
  }

  const verifyOverHttp = async (token: string) => {
    const answer = await server.send('GET', '/v1/audit/verify', { token });
    expect(answer.status, answer.text).toBe(200);
    return answer.body;
  };

  const verifyCli = (tenant: string, ...extra: string[]) => tollgate('audit', 'verify', '--db', database.url, '--tenant', tenant, ...extra);

  const signatureRows = async (tenant: string) =>
    (await raw.query('select seq, hash, signature from audit_head_signatures where tenant_id = ? order by seq', [tenant])).map((row) => ({
      ...row,
      seq: Number(row.seq),
    }));

  async function chainRows(tenant: string): Promise<AuditEvent[]> {
    const rows = await raw.query('select * from audit_events where tenant_id = ? order by seq', [tenant]);
    return rows.map((row) => ({
      tenant_id: row.tenant_id as string,
      seq: Number(row.seq),
      id: row.id as string,
      type: row.type as string,
      actor: row.actor as string,
      subject: (row.subject as string | null) ?? null,
      data: JSON.parse(row.data as string) as Record<string, unknown>,
      created_at: Number(row.created_at),
      prev_hash: row.prev_hash as string,
      hash: row.hash as string,
    }));
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    listener = await startListener();
    folder = mkdtempSync(join(tmpdir(), 'tollgate-audit-signing-'));
    publishFile = join(folder, 'heads.jsonl');
    publicKeyFile = join(folder, 'audit-public.pem');
    const settings = join(folder, 'settings.yaml');
    writeFileSync(settings, `audit:\n  publish:\n    every: 1h\n    file: ${publishFile}\n    webhook: ${listener.url}\n`);
    server = await startHarness(POLICY, { serve: { db: database.url, settings } });
    raw = await rawDatabase(kind, database.url);
  });

  afterAll(async () => {
    await raw?.close();
    await server?.close();
    await listener?.close();
    await database?.drop();
    if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
  });

  it('publishes signed heads to the database, the file and the webhook, and they verify with the exported public key', async () => {
    const { auditor } = await tenantWithTrail('anchored', 3);
    const head = await signRound('anchored');
    expect(head.seq).toBe((await server.services.audit.head('anchored')).seq);

    const exported = await server.send('GET', '/v1/audit/public-key', { token: auditor });
    expect(exported.status).toBe(200);
    expect(exported.body).toMatchObject({
      algorithm: 'ed25519',
      key_id: head.key_id,
      public_key: expect.stringContaining('BEGIN PUBLIC KEY'),
    });
    const cli = await tollgate('audit', 'public-key', '--db', database.url);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout.trim()).toBe(exported.body.public_key.trim());
    writeFileSync(publicKeyFile, cli.stdout);
    const key = verifyKeyFromPem(cli.stdout);

    // The same record in all three places, signed by the exported key.
    expect(published()).toContainEqual(head);
    expect(listener.bodies).toContainEqual(head);
    expect(await signatureRows('anchored')).toEqual([{ seq: head.seq, hash: head.hash, signature: head.signature }]);
    for (const record of [...published(), ...listener.bodies]) expect(checkSignature(record, [key])).toBe('ok');

    // A head signed already (as by another node at the same moment) is stored once, and an unmoved head is not signed again.
    expect(await server.services.store.auditSignatures.insert(toSignatureRow(head))).toBe(false);
    const again = await server.services.auditPublisher.round();
    expect(again.signed.filter((signed) => signed.tenant === 'anchored')).toEqual([]);

    expect(await verifyOverHttp(auditor)).toMatchObject({
      ok: true,
      signed: { heads: 1, published: 1, up_to: head.seq, unsigned_events: 0 },
    });
    const verified = await verifyCli('anchored', '--published', publishFile, '--public-key', publicKeyFile);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(
      new RegExp(
        `^ok: ${head.seq} events, head ${head.seq} ${head.hash}; 1 signed head \\(1 published\\), on the trail up to event ${head.seq}`,
      ),
    );
  });

  it('detects events removed from the end of the trail with the head moved back', async () => {
    const { auditor, agent } = await tenantWithTrail('cut', 4);
    await signRound('cut');
    await addActions(agent, 3);
    const signed = await signRound('cut');
    expect((await verifyOverHttp(auditor)).ok).toBe(true);
    expect((await verifyCli('cut')).code).toBe(0);

    // The attack: the last three events deleted and the head set to the event before them.
    const keep = signed.seq - 3;
    await raw.query('delete from audit_events where tenant_id = ? and seq > ?', ['cut', keep]);
    const [last] = await raw.query('select hash from audit_events where tenant_id = ? and seq = ?', ['cut', keep]);
    await raw.query('update audit_heads set seq = ?, hash = ? where tenant_id = ?', [keep, last!.hash, 'cut']);
    // The unkeyed chain alone, as verify checked it before heads were signed, finds nothing wrong.
    expect(await verifyChain(server.services.store, 'cut')).toMatchObject({ ok: true, problems: [] });
    const signaturesBefore = await signatureRows('cut');

    const overHttp = await verifyOverHttp(auditor);
    expect(overHttp).toMatchObject({ ok: false, first_bad_seq: keep + 1, events: keep });
    expect(overHttp.problems.map((problem: { code: string }) => problem.code)).toContain('audit.truncated');
    const cli = await verifyCli('cut');
    expect(cli.code).toBe(1);
    expect(cli.stdout).toMatch(
      new RegExp(`^FAILED at event ${keep + 1}: audit\\.truncated: the trail ends at event ${keep} but event ${signed.seq} was signed`),
    );

    // The server does not vouch for the cut chain, and verifying changed nothing.
    const round = await server.services.auditPublisher.round();
    expect(round.refused).toContainEqual({ tenant: 'cut', reason: expect.stringContaining('truncated') });
    expect(round.signed.filter((head) => head.tenant === 'cut')).toEqual([]);
    expect(await signatureRows('cut')).toEqual(signaturesBefore);

    // Removing the signed heads from the database as well leaves the published ones to tell.
    await raw.query('delete from audit_head_signatures where tenant_id = ? and seq > ?', ['cut', keep]);
    const withPublished = await verifyCli('cut', '--published', publishFile, '--public-key', publicKeyFile);
    expect(withPublished.code).toBe(1);
    expect(withPublished.stdout).toMatch(/^FAILED at event \d+: audit\.truncated: .*\(published line \d+\)/);
    expect(withPublished.stdout).toContain('audit.signature_missing');
    const serverSide = await verifyOverHttp(auditor);
    expect(serverSide.ok).toBe(false);
    expect(serverSide.problems.map((problem: { code: string }) => problem.code)).toEqual(
      expect.arrayContaining(['audit.truncated', 'audit.signature_missing']),
    );
  });

  it('detects an event rewritten with every later hash and the head recomputed', async () => {
    const { auditor } = await tenantWithTrail('rewritten', 5);
    const signed = await signRound('rewritten');
    expect((await verifyOverHttp(auditor)).ok).toBe(true);

    // The attack: an early event changed, then the chain from it and the head recomputed.
    const events = await chainRows('rewritten');
    const target = events.findIndex((event) => event.type === 'action.decided');
    expect(target).toBeGreaterThan(0);
    let previous = events[target - 1]!.hash;
    for (const event of events.slice(target)) {
      if (event.seq === events[target]!.seq) event.data = { ...event.data, decision: 'DENY', summary: 'nothing happened here' };
      const { hash: _old, ...unhashed } = { ...event, prev_hash: previous };
      const hash = eventHash(unhashed);
      await raw.query('update audit_events set data = ?, prev_hash = ?, hash = ? where tenant_id = ? and seq = ?', [
        JSON.stringify(event.data),
        previous,
        hash,
        'rewritten',
        event.seq,
      ]);
      previous = hash;
    }
    await raw.query('update audit_heads set hash = ? where tenant_id = ?', [previous, 'rewritten']);
    expect(await verifyChain(server.services.store, 'rewritten')).toMatchObject({ ok: true, problems: [] });

    const overHttp = await verifyOverHttp(auditor);
    expect(overHttp).toMatchObject({ ok: false, first_bad_seq: signed.seq });
    expect(overHttp.problems.map((problem: { code: string }) => problem.code)).toContain('audit.rewritten');
    const cli = await verifyCli('rewritten');
    expect(cli.code).toBe(1);
    expect(cli.stdout).toMatch(new RegExp(`^FAILED at event ${signed.seq}: audit\\.rewritten: event ${signed.seq} is not the one signed`));
    const round = await server.services.auditPublisher.round();
    expect(round.refused).toContainEqual({ tenant: 'rewritten', reason: expect.stringContaining('rewritten') });

    // With the database-kept private key, the attacker re-signs the recomputed head: the stored
    // signed heads then agree with the chain, and only the published ones (out of reach) do not.
    const [stolen] = await raw.query("select value from settings where key = 'audit_signing_key'");
    const forged = signHead(signingKeyFromPem(stolen!.value as string), 'rewritten', { seq: signed.seq, hash: previous }, Date.now());
    await raw.query('update audit_head_signatures set hash = ?, signature = ?, signed_at = ? where tenant_id = ? and seq = ?', [
      forged.hash,
      forged.signature,
      Date.parse(forged.signed_at),
      'rewritten',
      signed.seq,
    ]);
    expect((await verifyCli('rewritten')).code).toBe(0);
    const withPublished = await verifyCli('rewritten', '--published', publishFile, '--public-key', publicKeyFile);
    expect(withPublished.code).toBe(1);
    expect(withPublished.stdout).toMatch(new RegExp(`^FAILED at event ${signed.seq}: audit\\.rewritten: .*\\(published line \\d+\\)`));
    expect(withPublished.stdout).toContain('audit.signature_missing');
    expect((await verifyOverHttp(auditor)).problems.map((problem: { code: string }) => problem.code)).toContain('audit.rewritten');
  });

  it('refuses signed heads made with another key, or with another key under the genuine key id', async () => {
    const { auditor, agent } = await tenantWithTrail('forged', 2);
    const genuine = await signRound('forged');
    await addActions(agent, 2);
    const head = await server.services.audit.head('forged');
    const other = signingKeyFromPem(newSigningKeyPem());
    const insert = (record: SignedHead) =>
      raw.query('insert into audit_head_signatures (tenant_id, seq, hash, signed_at, key_id, signature) values (?, ?, ?, ?, ?, ?)', [
        record.tenant,
        record.seq,
        record.hash,
        Date.parse(record.signed_at),
        record.key_id,
        record.signature,
      ]);

    await insert(signHead(other, 'forged', head, Date.now()));
    const unknown = await verifyOverHttp(auditor);
    expect(unknown).toMatchObject({ ok: false, problems: [expect.objectContaining({ code: 'audit.unknown_key' })] });
    const cli = await verifyCli('forged');
    expect(cli.code).toBe(1);
    expect(cli.stdout).toMatch(
      new RegExp(
        `^FAILED in the signed heads: audit\\.unknown_key: the head signed at event ${head.seq} \\(stored\\) names key \`${other.keyId}\``,
      ),
    );

    await raw.query('delete from audit_head_signatures where tenant_id = ? and seq = ?', ['forged', head.seq]);
    await insert(signHead({ ...other, keyId: genuine.key_id }, 'forged', head, Date.now()));
    expect((await verifyOverHttp(auditor)).problems).toEqual([expect.objectContaining({ code: 'audit.bad_signature' })]);
    expect((await verifyCli('forged')).stdout).toMatch(/^FAILED in the signed heads: audit\.bad_signature: /);

    // Trusting only another key, the server's own signatures are refused too.
    const otherKeyFile = join(folder, 'other-public.pem');
    writeFileSync(otherKeyFile, other.pem);
    const trustingOther = await verifyCli('anchored', '--public-key', otherKeyFile);
    expect(trustingOther.code).toBe(1);
    expect(trustingOther.stdout).toContain('audit.unknown_key');
  });
});
