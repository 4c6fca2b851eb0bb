// One contract suite for the Store: every case runs against SQLite (a temp file) and PostgreSQL
// (fresh schemas, dropped afterwards), so both dialects keep the same behaviour.

import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { PolicyDecision } from '@tollgate/core';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from './open-store.js';
import type {
  ActionRecord,
  ApiKey,
  ApprovalRecord,
  AuditEvent,
  GrantRecord,
  QuestionRecord,
  Session,
  StandingApprovalRecord,
  User,
  VoteRecord,
} from './records.js';
import { GENESIS_HASH, StoreConflictError, type Store, type StoreScope } from './store.js';
import type { UnsealedEvent } from './audit-seal.js';
import type { NotificationTicket } from './notify-store.js';

const PG_URL = 'postgres://127.0.0.1:5432/test';

/** A kind of database the suite runs on. */
interface Backend {
  name: 'sqlite' | 'postgres';
  /** Creates an empty database and returns a function that opens (unmigrated) stores over it. */
  fresh(): Promise<() => Promise<Store>>;
  cleanup(): Promise<void>;
}

function sqliteBackend(): Backend {
  const folder = mkdtempSync(join(tmpdir(), 'tollgate-store-'));
  let databases = 0;
  return {
    name: 'sqlite',
    async fresh() {
      // A nested path, so opening also has to create the folders.
      const path = join(folder, `db-${++databases}`, 'tollgate.db');
      return () => openStore(path);
    },
    async cleanup() {
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

function postgresBackend(): Backend {
  const prefix = `tollgate_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const schemas: string[] = [];
  let admin: pg.Client | undefined;
  const connectAdmin = async (): Promise<pg.Client> => {
    if (admin) return admin;
    // Fields rather than the URL: pg lets a URL without a user name override `user`.
    const { hostname, port, pathname } = new URL(PG_URL);
    const client = new pg.Client({ host: hostname, port: Number(port), database: pathname.slice(1), user: userInfo().username });
    try {
      await client.connect();
    } catch (error) {
      throw new Error(
        `PostgreSQL is not reachable at ${PG_URL} (${(error as Error).message}); the store contract suite needs a running server with trust auth and a \`test\` database`,
      );
    }
    admin = client;
    return client;
  };
  return {
    name: 'postgres',
    async fresh() {
      await connectAdmin();
      // Migration creates the schema, so concurrent first migrations race on that too.
      const schema = `${prefix}_${schemas.length + 1}`;
      schemas.push(schema);
      return () => openStore(PG_URL, { schema, poolSize: 12 });
    },
    async cleanup() {
      if (!admin) return;
      for (const schema of schemas) await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    },
  };
}

// ---- records --------------------------------------------------------------------------------

const T0 = 1_700_000_000_000;
const id = (prefix: string) => `${prefix}_${randomUUID()}`;

function userRecord(tenantId: string, overrides: Partial<User> = {}): User {
  return {
    id: id('usr'),
    tenant_id: tenantId,
    name: id('name'),
    role: 'approver',
    groups: ['ops'],
    password_hash: 'scrypt$16384$8$1$c2FsdA$aGFzaA',
    out_of_office: false,
    created_at: T0,
    disabled_at: null,
    ...overrides,
  };
}

const EVALUATION: PolicyDecision = {
  decision: 'REQUIRE_APPROVAL',
  reasons: [
    {
      kind: 'rule',
      name: 'large-transactions',
      decision: 'REQUIRE_APPROVAL',
      reason: 'payments over $10k need finance sign-off',
      facts: [{ path: 'amount_usd', op: 'gt', expected: 10000, actual: 12500.5 }],
    },
  ],
  missing: [{ path: 'currency', needed_by: 'large-transactions' }],
  risk: 'high',
  policy_version: 'pv1',
  autonomy_level: 1,
  route: { approvers: ['finance'], require: 2, source: 'rules.large-transactions' },
};

function actionRecord(tenantId: string, overrides: Partial<ActionRecord> = {}): ActionRecord {
  return {
    id: id('act'),
    tenant_id: tenantId,
    agent: 'finance-bot',
    action_type: 'transfer',
    environment: 'production',
    capability: 'payment',
    payload: { agent: 'finance-bot', action_type: 'transfer', amount_usd: 12500.5 },
    digest: 'a'.repeat(64),
    idempotency_key: null,
    decision: 'REQUIRE_APPROVAL',
    status: 'pending',
    evaluation: EVALUATION,
    risk: 'high',
    autonomy_level: 1,
    policy_version: 'pv1',
    revision_of: null,
    created_at: T0,
    decided_at: null,
    outcome: null,
    ...overrides,
  };
}

function approvalRecord(tenantId: string, actionId: string, overrides: Partial<ApprovalRecord> = {}): ApprovalRecord {
  return {
    id: id('apr'),
    tenant_id: tenantId,
    action_id: actionId,
    digest: 'a'.repeat(64),
    policy_version: 'pv1',
    status: 'pending',
    approvers: ['finance', 'usr_lead'],
    require: 2,
    criteria: ['the amount matches the invoice'],
    modifiable: { amount_usd: { max: 20000 } },
    workflow: null,
    requested_by: 'agent:finance-bot',
    created_at: T0,
    deadline: T0 + 3_600_000,
    decided_at: null,
    resolution: null,
    version: 1,
    state: null,
    ...overrides,
  };
}

function grantRecord(tenantId: string, actionId: string, approvalId: string, overrides: Partial<GrantRecord> = {}): GrantRecord {
  return {
    id: id('grt'),
    tenant_id: tenantId,
    action_id: actionId,
    approval_id: approvalId,
    digest: 'a'.repeat(64),
    token_hash: id('tok'),
    created_at: T0,
    expires_at: T0 + 600_000,
    used_at: null,
    ...overrides,
  };
}

function voteRecord(tenantId: string, approvalId: string, overrides: Partial<VoteRecord> = {}): VoteRecord {
  return {
    id: id('vot'),
    tenant_id: tenantId,
    approval_id: approvalId,
    step_id: 'approval',
    user_id: id('usr'),
    verdict: 'approve',
    note: null,
    modifications: null,
    created_at: T0,
    ...overrides,
  };
}

function keyRecord(tenantId: string, overrides: Partial<ApiKey> = {}): ApiKey {
  return {
    id: id('key'),
    tenant_id: tenantId,
    agent: 'finance-bot',
    kind: 'agent',
    capabilities: [],
    key_hash: id('hash'),
    prefix: 'tg_ab12',
    created_at: T0,
    revoked_at: null,
    last_used_at: null,
    ...overrides,
  };
}

/** A fake but well-formed link: what matters here is that each event continues the last. */
function nextEvent(tenantId: string, head: { seq: number; hash: string }, overrides: Partial<AuditEvent> = {}): AuditEvent {
  const seq = head.seq + 1;
  return {
    tenant_id: tenantId,
    seq,
    id: id('evt'),
    type: 'action.decided',
    actor: 'agent:finance-bot',
    subject: null,
    data: { n: seq },
    created_at: T0 + seq,
    prev_hash: head.hash,
    hash: `${tenantId}:${seq}`.padEnd(64, '#'),
    ...overrides,
  };
}

/** An event as appendUnsealed takes it: not yet numbered or hashed. */
function unsealedEvent(tenantId: string, data: Record<string, unknown>): UnsealedEvent {
  const { seq: _seq, prev_hash: _prev, hash: _hash, ...event } = nextEvent(tenantId, { seq: 0, hash: GENESIS_HASH }, { data });
  return event;
}

function chain(tenantId: string, count: number, from = { seq: 0, hash: GENESIS_HASH }): AuditEvent[] {
  const events: AuditEvent[] = [];
  let head = from;
  for (let i = 0; i < count; i++) {
    const event = nextEvent(tenantId, head);
    events.push(event);
    head = event;
  }
  return events;
}

async function newTenant(store: StoreScope): Promise<string> {
  const tenantId = id('ten');
  await store.tenants.ensure({ id: tenantId, name: 'Tenant', created_at: T0 });
  return tenantId;
}

async function expectConflict(promise: Promise<unknown>, constraint: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StoreConflictError);
  expect((error as StoreConflictError).constraint).toBe(constraint);
  expect((error as StoreConflictError).code).toBe('store.conflict');
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/** Lets other pending work run, so code that does not serialise properly would interleave. */
const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

// ---- the suite ------------------------------------------------------------------------------

describe.each([sqliteBackend(), postgresBackend()].map((backend) => [backend.name, backend] as const))('%s store', (_name, backend) => {
  let store: Store;
  const opened: Store[] = [];

  /** A migrated store over a database of its own, for cases that look across tenants. */
  async function isolatedStore(): Promise<Store> {
    const open = await backend.fresh();
    const isolated = await open();
    opened.push(isolated);
    await isolated.migrate();
    return isolated;
  }

  beforeAll(async () => {
    store = await isolatedStore();
  });

  afterAll(async () => {
    for (const each of opened) await each.close();
    await backend.cleanup();
  });

  it('reports its dialect', () => {
    expect(store.dialect).toBe(backend.name);
  });

  describe('migrate', () => {
    it('runs again without changing anything', async () => {
      const tenantId = await newTenant(store);
      await store.migrate();
      await store.migrate();
      expect(await store.tenants.get(tenantId)).toMatchObject({ id: tenantId });
    });

    it('is safe when run concurrently on a new database', async () => {
      const open = await backend.fresh();
      // SQLite in one process has one writer connection; PostgreSQL gets several stores, as
      // several processes would have.
      const stores = backend.name === 'postgres' ? await Promise.all([open(), open(), open()]) : [await open()];
      opened.push(...stores);
      await Promise.all(stores.flatMap((each) => [each.migrate(), each.migrate()]));
      for (const each of stores) {
        const tenantId = await newTenant(each);
        expect(await each.tenants.get(tenantId)).toMatchObject({ id: tenantId });
      }
    });
  });

  describe('settings', () => {
    it('keeps the first value of getOrCreate; put replaces it, and get reads it or nothing', async () => {
      const key = id('setting');
      expect(await store.settings.get(key)).toBeUndefined();
      expect(await store.settings.getOrCreate(key, 'first')).toBe('first');
      expect(await store.settings.getOrCreate(key, 'second')).toBe('first');
      await store.settings.put(key, 'third');
      expect(await store.settings.get(key)).toBe('third');
      await store.transaction((scope) => scope.settings.put(key, 'fourth'));
      expect(await store.settings.get(key)).toBe('fourth');
      await store
        .transaction(async (scope) => {
          await scope.settings.put(key, 'rolled back');
          throw new Error('abort');
        })
        .catch(() => undefined);
      expect(await store.settings.get(key)).toBe('fourth');
    });
  });

  describe('tenants', () => {
    it('ensure creates a tenant once and keeps the first record', async () => {
      const tenantId = id('ten');
      await store.tenants.ensure({ id: tenantId, name: 'First', created_at: T0 });
      await store.tenants.ensure({ id: tenantId, name: 'Second', created_at: T0 + 1 });
      expect(await store.tenants.get(tenantId)).toEqual({ id: tenantId, name: 'First', created_at: T0 });
      expect(await store.tenants.get(id('ten'))).toBeUndefined();
    });

    it('ensure is safe when run concurrently', async () => {
      const tenantId = id('ten');
      await Promise.all(Array.from({ length: 5 }, () => store.tenants.ensure({ id: tenantId, name: 'T', created_at: T0 })));
      expect(await store.tenants.get(tenantId)).toEqual({ id: tenantId, name: 'T', created_at: T0 });
    });
  });

  describe('users', () => {
    it('inserts and reads a user by id, name and tenant', async () => {
      const tenantId = await newTenant(store);
      const user = userRecord(tenantId, { groups: ['ops', 'finance'], out_of_office: true, disabled_at: T0 + 5 });
      await store.users.insert(user);
      expect(await store.users.get(tenantId, user.id)).toEqual(user);
      expect(await store.users.findByName(tenantId, user.name)).toEqual(user);
      expect(await store.users.get(tenantId, id('usr'))).toBeUndefined();
      expect(await store.users.findByName(tenantId, 'nobody')).toBeUndefined();
    });

    it('refuses a name taken in the tenant, but not in another tenant', async () => {
      const tenantId = await newTenant(store);
      const otherTenant = await newTenant(store);
      await store.users.insert(userRecord(tenantId, { name: 'alice' }));
      await expectConflict(store.users.insert(userRecord(tenantId, { name: 'alice' })), 'users_tenant_id_name_key');
      await store.users.insert(userRecord(otherTenant, { name: 'alice' }));
      expect((await store.users.list(otherTenant)).map((user) => user.name)).toEqual(['alice']);
    });

    it('refuses a duplicate id', async () => {
      const tenantId = await newTenant(store);
      const user = userRecord(tenantId);
      await store.users.insert(user);
      await expectConflict(store.users.insert({ ...user, name: 'other' }), 'users_pkey');
    });

    it('lists the users of a tenant by name', async () => {
      const tenantId = await newTenant(store);
      const otherTenant = await newTenant(store);
      const carol = userRecord(tenantId, { name: 'carol', groups: ['finance'] });
      const alice = userRecord(tenantId, { name: 'alice', groups: ['ops'] });
      const bob = userRecord(tenantId, { name: 'bob', groups: ['ops', 'finance'] });
      const dave = userRecord(tenantId, { name: 'dave', groups: [] });
      for (const user of [carol, alice, bob, dave]) await store.users.insert(user);
      await store.users.insert(userRecord(otherTenant, { name: 'eve', groups: ['finance'] }));

      expect((await store.users.list(tenantId)).map((user) => user.name)).toEqual(['alice', 'bob', 'carol', 'dave']);
      expect(await store.users.list(id('ten'))).toEqual([]);
    });

    it('updates only the fields given, only in the tenant', async () => {
      const tenantId = await newTenant(store);
      const otherTenant = await newTenant(store);
      const user = userRecord(tenantId);
      await store.users.insert(user);

      expect(await store.users.update(otherTenant, user.id, { role: 'admin' })).toBe(false);
      expect(await store.users.get(tenantId, user.id)).toEqual(user);

      const patch = { role: 'admin', groups: ['sre'], password_hash: 'scrypt$new', out_of_office: true, disabled_at: T0 + 9 } as const;
      expect(await store.users.update(tenantId, user.id, { ...patch, groups: ['sre'] })).toBe(true);
      expect(await store.users.get(tenantId, user.id)).toEqual({ ...user, ...patch, groups: ['sre'] });

      expect(await store.users.update(tenantId, user.id, { disabled_at: null, out_of_office: false })).toBe(true);
      expect(await store.users.get(tenantId, user.id)).toMatchObject({ disabled_at: null, out_of_office: false, role: 'admin' });

      expect(await store.users.update(tenantId, user.id, {})).toBe(true);
      expect(await store.users.update(tenantId, id('usr'), { role: 'auditor' })).toBe(false);
      expect(await store.users.update(tenantId, id('usr'), {})).toBe(false);
    });
  });

  describe('api keys', () => {
    it('finds a key by its hash across tenants and lists a tenant keys', async () => {
      const tenantId = await newTenant(store);
      const otherTenant = await newTenant(store);
      const first = keyRecord(tenantId, { created_at: T0 });
      const second = keyRecord(tenantId, {
        created_at: T0 + 1,
        agent: 'analyzer-1',
        kind: 'worker',
        capabilities: ['analyzer', 'scanner'],
      });
      const foreign = keyRecord(otherTenant);
      for (const key of [second, first, foreign]) await store.keys.insert(key);

      expect(await store.keys.findByHash(first.key_hash)).toEqual(first);
      expect(await store.keys.findByHash(foreign.key_hash)).toEqual(foreign);
      expect(await store.keys.findByHash('unknown')).toBeUndefined();
      expect(await store.keys.list(tenantId)).toEqual([first, second]);
    });

    it('refuses a duplicate key hash', async () => {
      const tenantId = await newTenant(store);
      const key = keyRecord(tenantId);
      await store.keys.insert(key);
      await expectConflict(store.keys.insert(keyRecord(tenantId, { key_hash: key.key_hash })), 'api_keys_key_hash_key');
    });

    it('revokes once, only in the tenant', async () => {
      const tenantId = await newTenant(store);
      const otherTenant = await newTenant(store);
      const key = keyRecord(tenantId);
      await store.keys.insert(key);
      expect(await store.keys.revoke(otherTenant, key.id, T0 + 1)).toBe(false);
      expect((await store.keys.findByHash(key.key_hash))?.revoked_at).toBeNull();
      expect(await store.keys.revoke(tenantId, key.id, T0 + 2)).toBe(true);
      expect(await store.keys.revoke(tenantId, key.id, T0 + 3)).toBe(false);
      expect((await store.keys.findByHash(key.key_hash))?.revoked_at).toBe(T0 + 2);
    });

    it('touch records the latest use and never moves it back', async () => {
      const tenantId = await newTenant(store);
      const key = keyRecord(tenantId);
      await store.keys.insert(key);
      await store.keys.touch(key.id, T0 + 10);
      await store.keys.touch(key.id, T0 + 5);
      expect((await store.keys.findByHash(key.key_hash))?.last_used_at).toBe(T0 + 10);
      await store.keys.touch(key.id, T0 + 20);
      expect((await store.keys.findByHash(key.key_hash))?.last_used_at).toBe(T0 + 20);
    });
  });

  describe('sessions', () => {
    it('inserts, finds by token hash, deletes, and deletes the expired ones', async () => {
      const isolated = await isolatedStore();
      const tenantId = await newTenant(isolated);
      const user = userRecord(tenantId);
      await isolated.users.insert(user);
      const session = (tokenHash: string, expiresAt: number): Session => ({
        token_hash: tokenHash,
        tenant_id: tenantId,
        user_id: user.id,
        created_at: T0,
        expires_at: expiresAt,
      });
      const expired = session('expired', T0 + 10);
      const expiresNow = session('expires-now', T0 + 20);
      const live = session('live', T0 + 30);
      const loggedOut = session('logged-out', T0 + 30);
      for (const each of [expired, expiresNow, live, loggedOut]) await isolated.sessions.insert(each);
      await expectConflict(isolated.sessions.insert(live), 'sessions_pkey');

      expect(await isolated.sessions.findByHash('live')).toEqual(live);
      await isolated.sessions.delete('logged-out');
      expect(await isolated.sessions.findByHash('logged-out')).toBeUndefined();
      await isolated.sessions.delete('never-existed');

      expect(await isolated.sessions.deleteExpired(T0 + 20)).toBe(2);
      expect(await isolated.sessions.findByHash('expired')).toBeUndefined();
      expect(await isolated.sessions.findByHash('expires-now')).toBeUndefined();
      expect(await isolated.sessions.findByHash('live')).toEqual(live);
      expect(await isolated.sessions.deleteExpired(T0 + 20)).toBe(0);
    });

    it("ends every session of one person, and nobody else's", async () => {
      const tenantId = await newTenant(store);
      const [ann, bob] = [userRecord(tenantId), userRecord(tenantId)];
      for (const user of [ann, bob]) await store.users.insert(user);
      const session = (tokenHash: string, userId: string): Session => ({
        token_hash: tokenHash,
        tenant_id: tenantId,
        user_id: userId,
        created_at: T0,
        expires_at: T0 + 60_000,
      });
      const hashes = [`ann-1-${tenantId}`, `ann-2-${tenantId}`, `bob-1-${tenantId}`];
      await store.sessions.insert(session(hashes[0]!, ann.id));
      await store.sessions.insert(session(hashes[1]!, ann.id));
      await store.sessions.insert(session(hashes[2]!, bob.id));
      expect(await store.sessions.deleteByUser(tenantId, ann.id)).toBe(2);
      expect(await store.sessions.findByHash(hashes[0]!)).toBeUndefined();
      expect(await store.sessions.findByHash(hashes[1]!)).toBeUndefined();
      expect(await store.sessions.findByHash(hashes[2]!)).toBeDefined();
      expect(await store.sessions.deleteByUser(tenantId, ann.id)).toBe(0);
    });
  });

  describe('sign-in failures', () => {
    it('counts failures per tenant and name in a fixed window, starting over once it ends', async () => {
      const [tenantId, otherTenant] = [await newTenant(store), await newTenant(store)];
      const failures = store.signInFailures;
      expect(await failures.count(tenantId, 'ann', T0, 1000)).toEqual({ failures: 1, window_ends_at: T0 + 1000 });
      // Later failures in the window count on and do not move its end.
      expect(await failures.count(tenantId, 'ann', T0 + 500, 1000)).toEqual({ failures: 2, window_ends_at: T0 + 1000 });
      expect(await failures.count(tenantId, 'ann', T0 + 999, 1000)).toEqual({ failures: 3, window_ends_at: T0 + 1000 });
      expect(await failures.count(tenantId, 'bob', T0 + 999, 1000)).toEqual({ failures: 1, window_ends_at: T0 + 1999 });
      expect(await failures.count(otherTenant, 'ann', T0 + 999, 1000)).toEqual({ failures: 1, window_ends_at: T0 + 1999 });
      // The window has ended: the next failure opens a new one.
      expect(await failures.count(tenantId, 'ann', T0 + 1000, 1000)).toEqual({ failures: 1, window_ends_at: T0 + 2000 });
      await failures.clear(tenantId, 'ann');
      expect(await failures.count(tenantId, 'ann', T0 + 1001, 1000)).toEqual({ failures: 1, window_ends_at: T0 + 2001 });
    });

    it('deletes the windows that have ended', async () => {
      const isolated = await isolatedStore();
      const tenantId = await newTenant(isolated);
      await isolated.signInFailures.count(tenantId, 'ended', T0, 10);
      await isolated.signInFailures.count(tenantId, 'ends-now', T0, 20);
      await isolated.signInFailures.count(tenantId, 'open', T0, 30);
      expect(await isolated.signInFailures.deleteEnded(T0 + 20)).toBe(2);
      expect(await isolated.signInFailures.count(tenantId, 'open', T0 + 21, 30)).toEqual({ failures: 2, window_ends_at: T0 + 30 });
      expect(await isolated.signInFailures.count(tenantId, 'ended', T0 + 21, 30)).toEqual({ failures: 1, window_ends_at: T0 + 51 });
    });

    it('counts every one of many failures sent at once through two stores on one database', async () => {
      const open = await backend.fresh();
      const [first, second] = [await open(), await open()];
      opened.push(first, second);
      await first.migrate();
      const tenantId = await newTenant(first);
      const counted = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? first : second).signInFailures.count(tenantId, 'ann', T0, 60_000)),
      );
      // Each failure saw a different count: none was lost to another's concurrent update.
      expect(counted.map((c) => c.failures).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    });
  });

  describe('actions', () => {
    it('inserts and reads an action, only in its tenant', async () => {
      const tenantId = await newTenant(store);
      const otherTenant = await newTenant(store);
      const action = actionRecord(tenantId, { idempotency_key: 'req-1' });
      await store.actions.insert(action);
      expect(await store.actions.get(tenantId, action.id)).toEqual(action);
      expect(await store.actions.get(otherTenant, action.id)).toBeUndefined();
      expect(await store.actions.findByIdempotencyKey(tenantId, action.agent, 'req-1')).toEqual(action);
      expect(await store.actions.findByIdempotencyKey(otherTenant, action.agent, 'req-1')).toBeUndefined();
      expect(await store.actions.findByIdempotencyKey(tenantId, 'other-agent', 'req-1')).toBeUndefined();
    });

    it('refuses a repeated idempotency key of the same agent in the same tenant only', async () => {
      const tenantId = await newTenant(store);
      const otherTenant = await newTenant(store);
      await store.actions.insert(actionRecord(tenantId, { idempotency_key: 'req-1' }));
      await expectConflict(store.actions.insert(actionRecord(tenantId, { idempotency_key: 'req-1' })), 'actions_idempotency_key');
      await store.actions.insert(actionRecord(tenantId, { idempotency_key: 'req-1', agent: 'deploy-bot' }));
      await store.actions.insert(actionRecord(otherTenant, { idempotency_key: 'req-1' }));
      // Actions without a key never conflict with one another.
      await store.actions.insert(actionRecord(tenantId));
      await store.actions.insert(actionRecord(tenantId));
      expect(await store.actions.count(tenantId)).toBe(4);
    });

    it('refuses a duplicate id', async () => {
      const tenantId = await newTenant(store);
      const action = actionRecord(tenantId);
      await store.actions.insert(action);
      await expectConflict(store.actions.insert(action), 'actions_pkey');
    });

    it("finds the agent's newest open action with a digest: pending, or approved with an unused grant that has not expired", async () => {
      const tenantId = await newTenant(store);
      const otherTenant = await newTenant(store);
      const digest = 'd'.repeat(64);
      const find = (tenant = tenantId, agent = 'finance-bot', at = T0 + 1) => store.actions.findOpenByDigest(tenant, agent, digest, at);
      const approvedWithGrant = async (createdAt: number, grant: Partial<GrantRecord>) => {
        const action = actionRecord(tenantId, { digest, status: 'approved', created_at: createdAt });
        await store.actions.insert(action);
        const approval = approvalRecord(tenantId, action.id, { status: 'approved', digest });
        await store.approvals.insert(approval);
        await store.grants.insert(grantRecord(tenantId, action.id, approval.id, { digest, ...grant }));
        return action;
      };

      // Finished, denied and allowed actions with the digest are not open.
      for (const status of ['executed', 'denied', 'allowed', 'timed_out', 'changes_requested'] as const)
        await store.actions.insert(actionRecord(tenantId, { digest, status }));
      await approvedWithGrant(T0 + 5, { used_at: T0 + 6 });
      await approvedWithGrant(T0 + 6, { expires_at: T0 + 1 });
      expect(await find()).toBeUndefined();

      const pending = actionRecord(tenantId, { digest, created_at: T0 });
      await store.actions.insert(pending);
      expect(await find()).toEqual(pending);
      expect(await find(otherTenant)).toBeUndefined();
      expect(await find(tenantId, 'deploy-bot')).toBeUndefined();
      expect(await store.actions.findOpenByDigest(tenantId, 'finance-bot', 'e'.repeat(64), T0)).toBeUndefined();

      // Newest first: an approved one with its grant still to use, until the grant expires.
      const approved = await approvedWithGrant(T0 + 2, { expires_at: T0 + 100 });
      expect(await find()).toEqual(approved);
      expect(await find(tenantId, 'finance-bot', T0 + 100)).toEqual(pending);
    });

    it('transitions many actions in one statement: those of the tenant in a status of `from`', async () => {
      const tenantId = await newTenant(store);
      const otherTenant = await newTenant(store);
      const [a, b, done] = [actionRecord(tenantId), actionRecord(tenantId), actionRecord(tenantId, { status: 'denied' })];
      const elsewhere = actionRecord(otherTenant);
      for (const action of [a, b, done, elsewhere]) await store.actions.insert(action);
      const ids = [a.id, b.id, done.id, elsewhere.id, id('act')];
      expect(await store.actions.transitionMany(tenantId, ids, ['pending'], { status: 'timed_out', decided_at: T0 + 9 })).toBe(2);
      for (const action of [a, b])
        expect(await store.actions.get(tenantId, action.id)).toMatchObject({ status: 'timed_out', decided_at: T0 + 9 });
      expect(await store.actions.get(tenantId, done.id)).toEqual(done);
      expect(await store.actions.get(otherTenant, elsewhere.id)).toEqual(elsewhere);
      expect(await store.actions.transitionMany(tenantId, [], ['pending'], { status: 'denied' })).toBe(0);
    });

    it('transitions only from the given statuses, only in the tenant', async () => {
      const tenantId = await newTenant(store);
      const otherTenant = await newTenant(store);
      const action = actionRecord(tenantId);
      await store.actions.insert(action);

      expect(await store.actions.transition(otherTenant, action.id, ['pending'], { status: 'approved' })).toBe(false);
      expect(await store.actions.transition(tenantId, action.id, ['allowed', 'review'], { status: 'executed' })).toBe(false);
      expect(await store.actions.transition(tenantId, action.id, [], { status: 'approved' })).toBe(false);
      expect(await store.actions.get(tenantId, action.id)).toEqual(action);

      expect(await store.actions.transition(tenantId, action.id, ['pending'], { status: 'approved', decided_at: T0 + 100 })).toBe(true);
      expect(await store.actions.get(tenantId, action.id)).toMatchObject({ status: 'approved', decided_at: T0 + 100, outcome: null });

      const outcome = {
        status: 'succeeded' as const,
        detail: 'sent',
        compensation: { webhook: 'https://example.test/undo' },
        reported_at: T0 + 200,
      };
      expect(await store.actions.transition(tenantId, action.id, ['approved'], { status: 'executed', outcome })).toBe(true);
      expect(await store.actions.get(tenantId, action.id)).toEqual({ ...action, status: 'executed', decided_at: T0 + 100, outcome });

      // An empty patch still says whether the condition held.
      expect(await store.actions.transition(tenantId, action.id, ['executed'], {})).toBe(true);
      expect(await store.actions.transition(tenantId, action.id, ['pending'], {})).toBe(false);
      expect(await store.actions.transition(tenantId, id('act'), ['pending'], { status: 'denied' })).toBe(false);
    });

    it('lets exactly one of two racing transitions win', async () => {
      const tenantId = await newTenant(store);
      const action = actionRecord(tenantId);
      await store.actions.insert(action);
      const results = await Promise.all([
        store.transaction((scope) => scope.actions.transition(tenantId, action.id, ['pending'], { status: 'approved' })),
        store.transaction((scope) => scope.actions.transition(tenantId, action.id, ['pending'], { status: 'denied' })),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await store.actions.get(tenantId, action.id))?.status).toBe(results[0] ? 'approved' : 'denied');
    });

    it('lists newest first, breaking ties by id, and pages with `after`', async () => {
      const tenantId = await newTenant(store);
      const otherTenant = await newTenant(store);
      const actions = [
        actionRecord(tenantId, { id: 'act-a', created_at: T0 + 1 }),
        actionRecord(tenantId, { id: 'act-c', created_at: T0 + 2 }),
        actionRecord(tenantId, { id: 'act-b', created_at: T0 + 2 }),
        actionRecord(tenantId, { id: 'act-d', created_at: T0 + 3 }),
        actionRecord(tenantId, { id: 'act-e', created_at: T0 + 2 }),
      ].map((action) => ({ ...action, id: `${action.id}-${tenantId}` }));
      for (const action of actions) await store.actions.insert(action);
      await store.actions.insert(actionRecord(otherTenant, { created_at: T0 + 2 }));

      const order = ['act-d', 'act-e', 'act-c', 'act-b', 'act-a'].map((name) => `${name}-${tenantId}`);
      expect((await store.actions.list(tenantId)).map((action) => action.id)).toEqual(order);

      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store.actions.list(tenantId, { limit: 2, ...(after === undefined ? {} : { after }) });
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(2);
        seen.push(...page.map((action) => action.id));
        after = page[page.length - 1]?.id;
      }
      expect(seen).toEqual(order);

      // A cursor from another tenant (or none at all) gives nothing rather than the first page.
      const foreign = (await store.actions.list(otherTenant))[0]?.id;
      expect(await store.actions.list(tenantId, { after: foreign ?? 'missing' })).toEqual([]);
      expect(await store.actions.list(tenantId, { after: 'missing' })).toEqual([]);
      expect(await store.actions.list(tenantId, { limit: 0 })).toEqual([]);
    });

    it('filters lists and counts by status, agent and time', async () => {
      const tenantId = await newTenant(store);
      const otherTenant = await newTenant(store);
      const specs: Array<Partial<ActionRecord>> = [
        { status: 'pending', agent: 'a', created_at: T0 + 1 },
        { status: 'pending', agent: 'b', created_at: T0 + 5 },
        { status: 'approved', agent: 'a', created_at: T0 + 6 },
        { status: 'denied', agent: 'b', created_at: T0 + 7 },
        { status: 'allowed', agent: 'a', created_at: T0 + 8 },
      ];
      for (const spec of specs) await store.actions.insert(actionRecord(tenantId, spec));
      await store.actions.insert(actionRecord(otherTenant, { status: 'pending', agent: 'a', created_at: T0 + 9 }));

      const cases: Array<[Parameters<Store['actions']['count']>[1], number]> = [
        [undefined, 5],
        [{ status: ['pending'] }, 2],
        [{ status: ['pending', 'approved'] }, 3],
        [{ status: [] }, 0],
        [{ agent: 'a' }, 3],
        [{ since: T0 + 5 }, 4],
        [{ status: ['pending'], agent: 'b', since: T0 + 5 }, 1],
        [{ since: T0 + 100 }, 0],
      ];
      for (const [filter, expected] of cases) {
        expect(await store.actions.count(tenantId, filter)).toBe(expected);
        const listed = await store.actions.list(tenantId, filter);
        expect(listed).toHaveLength(expected);
        for (const action of listed) {
          expect(action.tenant_id).toBe(tenantId);
          if (filter?.status) expect(filter.status).toContain(action.status);
          if (filter?.agent) expect(action.agent).toBe(filter.agent);
          if (filter?.since) expect(action.created_at).toBeGreaterThanOrEqual(filter.since);
        }
      }
      expect(await store.actions.count(id('ten'))).toBe(0);
    });
  });

  describe('approvals', () => {
    async function pendingApproval(tenantId: string, overrides: Partial<ApprovalRecord> = {}): Promise<ApprovalRecord> {
      const action = actionRecord(tenantId);
      await store.actions.insert(action);
      const approval = approvalRecord(tenantId, action.id, overrides);
      await store.approvals.insert(approval);
      return approval;
    }

    it('inserts and reads an approval by id and by action, only in its tenant', async () => {
      const tenantId = await newTenant(store);
      const otherTenant = await newTenant(store);
      const approval = await pendingApproval(tenantId, { workflow: 'payment-signoff', modifiable: null, deadline: null });
      expect(await store.approvals.get(tenantId, approval.id)).toEqual(approval);
      expect(await store.approvals.getByAction(tenantId, approval.action_id)).toEqual(approval);
      expect(await store.approvals.get(otherTenant, approval.id)).toBeUndefined();
      expect(await store.approvals.getByAction(otherTenant, approval.action_id)).toBeUndefined();
    });

    it('allows one approval per action', async () => {
      const tenantId = await newTenant(store);
      const approval = await pendingApproval(tenantId);
      await expectConflict(store.approvals.insert(approvalRecord(tenantId, approval.action_id)), 'approvals_action_id_key');
    });

    it('updates only at the expected version, bumping it', async () => {
      const tenantId = await newTenant(store);
      const otherTenant = await newTenant(store);
      const approval = await pendingApproval(tenantId);

      expect(await store.approvals.update(otherTenant, approval.id, 1, { status: 'denied' })).toBe(false);
      expect(await store.approvals.update(tenantId, approval.id, 2, { status: 'denied' })).toBe(false);
      expect(await store.approvals.get(tenantId, approval.id)).toEqual(approval);

      expect(await store.approvals.update(tenantId, approval.id, 1, { approvers: ['sre'], deadline: T0 + 7 })).toBe(true);
      expect(await store.approvals.get(tenantId, approval.id)).toEqual({ ...approval, approvers: ['sre'], deadline: T0 + 7, version: 2 });

      // A second writer holding the old version loses.
      expect(await store.approvals.update(tenantId, approval.id, 1, { status: 'approved' })).toBe(false);
      const patch = { status: 'denied', decided_at: T0 + 8, resolution: 'amount too large' } as const;
      expect(await store.approvals.update(tenantId, approval.id, 2, patch)).toBe(true);
      expect(await store.approvals.get(tenantId, approval.id)).toEqual({
        ...approval,
        ...patch,
        approvers: ['sre'],
        deadline: T0 + 7,
        version: 3,
      });
    });

    it('lets exactly one of two racing updates at the same version win', async () => {
      const tenantId = await newTenant(store);
      const approval = await pendingApproval(tenantId);
      const results = await Promise.all(
        (['approved', 'denied'] as const).map((status) =>
          store.transaction((scope) => scope.approvals.update(tenantId, approval.id, 1, { status })),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.approvals.get(tenantId, approval.id)).toMatchObject({ version: 2, status: results[0] ? 'approved' : 'denied' });
    });

    it('lists newest first, by status, and pages with `after`', async () => {
      const tenantId = await newTenant(store);
      const otherTenant = await newTenant(store);
      const made: Awaited<ReturnType<typeof pendingApproval>>[] = [];
      for (let i = 0; i < 5; i++) {
        made.push(await pendingApproval(tenantId, { created_at: T0 + (i % 3), status: i === 2 ? 'approved' : 'pending' }));
      }
      await pendingApproval(otherTenant);
      const expected = [...made].sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : -1)).map((approval) => approval.id);
      expect((await store.approvals.list(tenantId)).map((approval) => approval.id)).toEqual(expected);

      const first = await store.approvals.list(tenantId, { limit: 3 });
      const rest = await store.approvals.list(tenantId, { limit: 3, after: first[2]?.id ?? '' });
      expect([...first, ...rest].map((approval) => approval.id)).toEqual(expected);

      const pending = await store.approvals.list(tenantId, { status: ['pending'] });
      expect(pending.map((approval) => approval.id)).toEqual(expected.filter((each) => each !== made[2]?.id));
      expect(await store.approvals.list(tenantId, { status: [] })).toEqual([]);
      expect(await store.approvals.list(id('ten'))).toEqual([]);
    });

    it('claimDue returns only pending approvals whose deadline has passed, earliest first', async () => {
      const isolated = await isolatedStore();
      const tenants = [await newTenant(isolated), await newTenant(isolated)];
      const add = async (tenantId: string, overrides: Partial<ApprovalRecord>) => {
        const action = actionRecord(tenantId);
        await isolated.actions.insert(action);
        const approval = approvalRecord(tenantId, action.id, overrides);
        await isolated.approvals.insert(approval);
        return approval;
      };
      const now = T0 + 1_000;
      const dueLater = await add(tenants[1]!, { deadline: now - 10 });
      const dueFirst = await add(tenants[0]!, { deadline: now - 500 });
      const dueNow = await add(tenants[0]!, { deadline: now });
      await add(tenants[0]!, { deadline: now + 1 });
      await add(tenants[0]!, { deadline: null });
      await add(tenants[1]!, { deadline: now - 600, status: 'approved' });
      await add(tenants[1]!, { deadline: now - 600, status: 'timed_out' });

      expect((await isolated.approvals.claimDue(now, 10)).map((approval) => approval.id)).toEqual([dueFirst.id, dueLater.id, dueNow.id]);
      expect((await isolated.approvals.claimDue(now, 2)).map((approval) => approval.id)).toEqual([dueFirst.id, dueLater.id]);
      expect(await isolated.approvals.claimDue(now - 1_000, 10)).toEqual([]);
      expect(await isolated.approvals.claimDue(now, 0)).toEqual([]);

      // Claiming in a transaction and resolving the claimed ones fires each timer once.
      const claimers = await Promise.all(
        [1, 2, 3].map(() =>
          isolated.transaction(async (scope) => {
            const claimed = await scope.approvals.claimDue(now, 10);
            for (const approval of claimed) {
              expect(await scope.approvals.update(approval.tenant_id, approval.id, approval.version, { status: 'timed_out' })).toBe(true);
            }
            return claimed.map((approval) => approval.id);
          }),
        ),
      );
      expect(claimers.flat().sort()).toEqual([dueFirst.id, dueLater.id, dueNow.id].sort());
      expect(await isolated.approvals.claimDue(now, 10)).toEqual([]);
    });

    it.runIf(backend.name === 'postgres')('claimDue skips approvals another transaction holds', async () => {
      const isolated = await isolatedStore();
      const tenantId = await newTenant(isolated);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const action = actionRecord(tenantId);
        await isolated.actions.insert(action);
        const approval = approvalRecord(tenantId, action.id, { deadline: T0 + i });
        await isolated.approvals.insert(approval);
        ids.push(approval.id);
      }
      const held = deferred();
      const release = deferred();
      const first = isolated.transaction(async (scope) => {
        const claimed = await scope.approvals.claimDue(T0 + 10, 1);
        held.resolve();
        await release.promise;
        return claimed.map((approval) => approval.id);
      });
      await held.promise;
      // Without SKIP LOCKED this would wait for the first transaction, which waits for us.
      const second = await isolated.transaction(async (scope) =>
        (await scope.approvals.claimDue(T0 + 10, 10)).map((approval) => approval.id),
      );
      release.resolve();
      expect(await first).toEqual([ids[0]]);
      expect(second).toEqual([ids[1], ids[2]]);
    });
  });

  describe('assignments', () => {
    async function openRequest(tenantId: string): Promise<ApprovalRecord> {
      const action = actionRecord(tenantId);
      await store.actions.insert(action);
      const approval = approvalRecord(tenantId, action.id);
      await store.approvals.insert(approval);
      return approval;
    }
    const assignment = (tenantId: string, approvalId: string, userId: string, stepId = 'review') => ({
      tenant_id: tenantId,
      approval_id: approvalId,
      step_id: stepId,
      user_id: userId,
      assigned_at: T0,
      closed_at: null,
    });

    it("counts each person's open assignments as they open and close, once per assignment, per tenant", async () => {
      const tenantId = await newTenant(store);
      const otherTenant = await newTenant(store);
      const [first, second] = [await openRequest(tenantId), await openRequest(tenantId)];
      await store.assignments.add([assignment(tenantId, first.id, 'usr_ann'), assignment(tenantId, first.id, 'usr_bob')]);
      await store.assignments.add([assignment(tenantId, second.id, 'usr_ann')]);
      // The same assignment again changes nothing.
      await store.assignments.add([assignment(tenantId, first.id, 'usr_ann')]);
      const counts = async (tenant: string) =>
        Object.fromEntries(await store.assignments.openCounts(tenant, ['usr_ann', 'usr_bob', 'usr_cy']));
      expect(await counts(tenantId)).toEqual({ usr_ann: 2, usr_bob: 1, usr_cy: 0 });
      expect(await counts(otherTenant)).toEqual({ usr_ann: 0, usr_bob: 0, usr_cy: 0 });

      await store.assignments.close(tenantId, first.id, 'review', T0 + 1, 'usr_ann');
      expect(await counts(tenantId)).toEqual({ usr_ann: 1, usr_bob: 1, usr_cy: 0 });
      // Closing what is closed already changes nothing; closing the request closes the rest.
      await store.assignments.close(tenantId, first.id, 'review', T0 + 2, 'usr_ann');
      await store.assignments.close(tenantId, first.id, null, T0 + 3);
      expect(await counts(tenantId)).toEqual({ usr_ann: 1, usr_bob: 0, usr_cy: 0 });
      expect(await store.assignments.openApprovalIds(tenantId, 'usr_ann', 10)).toEqual([second.id]);
    });

    it("closes many requests' assignments of one stage in one statement, and counts each person once per assignment", async () => {
      const tenantId = await newTenant(store);
      const [first, second, third] = [await openRequest(tenantId), await openRequest(tenantId), await openRequest(tenantId)];
      await store.assignments.add([
        assignment(tenantId, first.id, 'usr_ann'),
        assignment(tenantId, first.id, 'usr_ann', 'security'),
        assignment(tenantId, second.id, 'usr_ann'),
        assignment(tenantId, second.id, 'usr_bob'),
        assignment(tenantId, third.id, 'usr_bob'),
      ]);
      await store.transaction(async (scope) => scope.assignments.closeMany(tenantId, [first.id, second.id], 'review', T0 + 1));
      expect(Object.fromEntries(await store.assignments.openCounts(tenantId, ['usr_ann', 'usr_bob']))).toEqual({ usr_ann: 1, usr_bob: 1 });
      expect((await store.assignments.listByApproval(tenantId, first.id)).map((a) => [a.step_id, a.closed_at])).toEqual(
        expect.arrayContaining([
          ['review', T0 + 1],
          ['security', null],
        ]),
      );
      await store.assignments.closeMany(tenantId, [first.id, third.id], null, T0 + 2);
      await store.assignments.closeMany(tenantId, [], null, T0 + 3);
      expect(Object.fromEntries(await store.assignments.openCounts(tenantId, ['usr_ann', 'usr_bob']))).toEqual({ usr_ann: 0, usr_bob: 0 });
    });

    it('counts, inside a transaction, what the transaction opened and closed before it commits', async () => {
      const tenantId = await newTenant(store);
      const [first, second] = [await openRequest(tenantId), await openRequest(tenantId)];
      await store.assignments.add([assignment(tenantId, first.id, 'usr_ann')]);
      const inside = await store.transaction(async (scope) => {
        await scope.assignments.add([assignment(tenantId, second.id, 'usr_ann'), assignment(tenantId, second.id, 'usr_bob')]);
        await scope.assignments.close(tenantId, first.id, null, T0 + 1);
        return Object.fromEntries(await scope.assignments.openCounts(tenantId, ['usr_ann', 'usr_bob']));
      });
      expect(inside).toEqual({ usr_ann: 1, usr_bob: 1 });
      expect(Object.fromEntries(await store.assignments.openCounts(tenantId, ['usr_ann', 'usr_bob']))).toEqual({ usr_ann: 1, usr_bob: 1 });
      // A rolled-back transaction moves no count.
      await expect(
        store.transaction(async (scope) => {
          await scope.assignments.close(tenantId, second.id, null, T0 + 2);
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect(Object.fromEntries(await store.assignments.openCounts(tenantId, ['usr_ann', 'usr_bob']))).toEqual({ usr_ann: 1, usr_bob: 1 });
    });
  });

  describe('votes', () => {
    it('records votes once per user and step, listing them in order within the tenant', async () => {
      const tenantId = await newTenant(store);
      const otherTenant = await newTenant(store);
      const action = actionRecord(tenantId);
      await store.actions.insert(action);
      const approval = approvalRecord(tenantId, action.id);
      await store.approvals.insert(approval);

      const first = voteRecord(tenantId, approval.id, { user_id: 'usr_alice', created_at: T0 + 2, note: 'looks right' });
      const second = voteRecord(tenantId, approval.id, {
        user_id: 'usr_bob',
        created_at: T0 + 3,
        verdict: 'request_changes',
        modifications: { amount_usd: 9000, nested: { list: [1, 'two', null] } },
      });
      const laterStep = voteRecord(tenantId, approval.id, { user_id: 'usr_alice', step_id: 'cfo', created_at: T0 + 4, verdict: 'deny' });
      for (const vote of [laterStep, first, second]) await store.votes.insert(vote);

      await expectConflict(
        store.votes.insert(voteRecord(tenantId, approval.id, { user_id: 'usr_alice', verdict: 'deny' })),
        'votes_approval_id_step_id_user_id_key',
      );
      expect(await store.votes.listByApproval(tenantId, approval.id)).toEqual([first, second, laterStep]);
      expect(await store.votes.listByApproval(otherTenant, approval.id)).toEqual([]);
    });
  });

  describe('grants', () => {
    async function approvedAction(tenantId: string) {
      const action = actionRecord(tenantId, { status: 'approved' });
      await store.actions.insert(action);
      const approval = approvalRecord(tenantId, action.id, { status: 'approved' });
      await store.approvals.insert(approval);
      return { action, approval };
    }

    it('finds grants by token hash and by action, only in the tenant', async () => {
      const tenantId = await newTenant(store);
      const otherTenant = await newTenant(store);
      const { action, approval } = await approvedAction(tenantId);
      const older = grantRecord(tenantId, action.id, approval.id, { created_at: T0 });
      const newer = grantRecord(tenantId, action.id, approval.id, { created_at: T0 + 1 });
      await store.grants.insert(newer);
      await store.grants.insert(older);
      expect(await store.grants.findByTokenHash(tenantId, older.token_hash)).toEqual(older);
      expect(await store.grants.findByTokenHash(otherTenant, older.token_hash)).toBeUndefined();
      expect(await store.grants.getByAction(tenantId, action.id)).toEqual(newer);
      expect(await store.grants.getByAction(otherTenant, action.id)).toBeUndefined();
    });

    it('refuses a duplicate token hash', async () => {
      const tenantId = await newTenant(store);
      const { action, approval } = await approvedAction(tenantId);
      const grant = grantRecord(tenantId, action.id, approval.id);
      await store.grants.insert(grant);
      await expectConflict(
        store.grants.insert(grantRecord(tenantId, action.id, approval.id, { token_hash: grant.token_hash })),
        'grants_token_hash_key',
      );
    });

    it('is used once, only in the tenant, even by racing callers', async () => {
      const tenantId = await newTenant(store);
      const otherTenant = await newTenant(store);
      const { action, approval } = await approvedAction(tenantId);
      const grant = grantRecord(tenantId, action.id, approval.id);
      await store.grants.insert(grant);

      expect(await store.grants.markUsed(otherTenant, grant.id, T0 + 1)).toBe(false);
      expect((await store.grants.findByTokenHash(tenantId, grant.token_hash))?.used_at).toBeNull();

      const results = await Promise.all(Array.from({ length: 5 }, (_, i) => store.grants.markUsed(tenantId, grant.id, T0 + 10 + i)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const used = results.indexOf(true);
      expect((await store.grants.findByTokenHash(tenantId, grant.token_hash))?.used_at).toBe(T0 + 10 + used);
      expect(await store.grants.markUsed(tenantId, grant.id, T0 + 99)).toBe(false);
    });
  });

  describe('standing approvals', () => {
    async function granted(tenantId: string, overrides: Partial<StandingApprovalRecord> = {}): Promise<StandingApprovalRecord> {
      const action = actionRecord(tenantId, { status: 'approved' });
      await store.actions.insert(action);
      const approval = approvalRecord(tenantId, action.id, { status: 'approved' });
      await store.approvals.insert(approval);
      const standing: StandingApprovalRecord = {
        id: `sta_${randomUUID()}`,
        tenant_id: tenantId,
        approval_id: approval.id,
        agent: 'deploy-bot',
        action_type: 'scale',
        gate: 'scale-rule',
        approver_id: 'usr_alice',
        constraints: [{ path: 'replicas', op: 'lte', value: 8 }],
        for_ms: 3_600_000,
        uses: 3,
        uses_left: 3,
        expires_at: T0 + 3_600_000,
        policy_version: 'sha256:abc',
        created_at: T0,
        revoked_at: null,
        revoked_by: null,
        ...overrides,
      };
      await store.standingApprovals.insert(standing);
      return standing;
    }

    it('keeps what it was given, only in the tenant', async () => {
      const tenantId = await newTenant(store);
      const otherTenant = await newTenant(store);
      const standing = await granted(tenantId);
      expect(await store.standingApprovals.get(tenantId, standing.id)).toEqual(standing);
      expect(await store.standingApprovals.get(otherTenant, standing.id)).toBeUndefined();
      expect(await store.standingApprovals.list(otherTenant)).toEqual([]);
      expect(await store.standingApprovals.candidates(otherTenant, 'deploy-bot', 'scale', T0)).toEqual([]);
      await expectConflict(store.standingApprovals.insert(standing), 'standing_approvals_pkey');
    });

    it('offers as candidates only the live ones of that agent and action type, newest first', async () => {
      const tenantId = await newTenant(store);
      const older = await granted(tenantId, { created_at: T0 });
      const newer = await granted(tenantId, { created_at: T0 + 1, uses: null, uses_left: null });
      await granted(tenantId, { agent: 'other-bot' });
      await granted(tenantId, { action_type: 'delete' });
      await granted(tenantId, { expires_at: T0 + 10 });
      await granted(tenantId, { uses_left: 0 });
      const revoked = await granted(tenantId);
      expect(await store.standingApprovals.revoke(tenantId, revoked.id, T0 + 5, 'usr_bob')).toBe(true);
      expect(await store.standingApprovals.revoke(tenantId, revoked.id, T0 + 6, 'usr_bob')).toBe(false);
      const found = await store.standingApprovals.candidates(tenantId, 'deploy-bot', 'scale', T0 + 10);
      expect(found.map((s) => s.id)).toEqual([newer.id, older.id]);
      expect((await store.standingApprovals.get(tenantId, revoked.id))?.revoked_by).toBe('usr_bob');
      expect(await store.standingApprovals.list(tenantId, { active_at: T0 + 10, agent: 'deploy-bot' })).toHaveLength(3);
      expect(await store.standingApprovals.list(tenantId)).toHaveLength(7);
    });

    it('is used at most `uses` times, even by racing callers, and not once expired or revoked', async () => {
      const tenantId = await newTenant(store);
      const otherTenant = await newTenant(store);
      const standing = await granted(tenantId, { uses: 3, uses_left: 3 });
      expect(await store.standingApprovals.use(otherTenant, standing.id, T0 + 1)).toBe(false);
      const results = await Promise.all(Array.from({ length: 8 }, () => store.standingApprovals.use(tenantId, standing.id, T0 + 1)));
      expect(results.filter(Boolean)).toHaveLength(3);
      expect((await store.standingApprovals.get(tenantId, standing.id))?.uses_left).toBe(0);

      const timed = await granted(tenantId, { uses: null, uses_left: null });
      expect(await store.standingApprovals.use(tenantId, timed.id, T0 + 1)).toBe(true);
      expect(await store.standingApprovals.use(tenantId, timed.id, T0 + 3_600_000)).toBe(false);
      const revoked = await granted(tenantId);
      await store.standingApprovals.revoke(tenantId, revoked.id, T0 + 1, 'usr_bob');
      expect(await store.standingApprovals.use(tenantId, revoked.id, T0 + 2)).toBe(false);
    });
  });

  describe('audit', () => {
    it('starts a new chain at seq 0 and the genesis hash', async () => {
      const tenantId = await newTenant(store);
      expect(await store.audit.head(tenantId)).toEqual({ seq: 0, hash: GENESIS_HASH });
      expect(await store.transaction((scope) => scope.audit.lockHead(tenantId))).toEqual({ seq: 0, hash: GENESIS_HASH });
      expect(await store.audit.count(tenantId)).toBe(0);
      expect(await store.audit.list(tenantId)).toEqual([]);
    });

    it('appends under the locked head and moves it', async () => {
      const tenantId = await newTenant(store);
      const otherTenant = await newTenant(store);
      const appended = await store.transaction(async (scope) => {
        const head = await scope.audit.lockHead(tenantId);
        const events = chain(tenantId, 3, head);
        await scope.audit.append(tenantId, events);
        return events;
      });
      const last = appended[2]!;
      expect(await store.audit.head(tenantId)).toEqual({ seq: 3, hash: last.hash });
      expect(await store.audit.list(tenantId)).toEqual(appended);
      expect(await store.audit.count(tenantId)).toBe(3);

      const more = await store.transaction(async (scope) => {
        const head = await scope.audit.lockHead(tenantId);
        expect(head).toEqual({ seq: 3, hash: last.hash });
        const events = chain(tenantId, 2, head);
        await scope.audit.append(tenantId, events);
        return events;
      });
      expect((await store.audit.list(tenantId)).map((event) => event.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(await store.audit.list(tenantId, { afterSeq: 3 })).toEqual(more);
      expect(await store.audit.list(tenantId, { afterSeq: 1, limit: 2 })).toEqual(appended.slice(1, 3));

      expect(await store.audit.list(otherTenant)).toEqual([]);
      expect(await store.audit.count(otherTenant)).toBe(0);
      expect(await store.audit.head(otherTenant)).toEqual({ seq: 0, hash: GENESIS_HASH });
    });

    it('filters by type and subject', async () => {
      const tenantId = await newTenant(store);
      let head = await store.audit.head(tenantId);
      const events: AuditEvent[] = [];
      for (const [type, subject] of [
        ['action.decided', 'act_1'],
        ['vote.cast', 'apr_1'],
        ['action.decided', 'act_2'],
        ['vote.cast', 'apr_1'],
      ] as const) {
        const event = nextEvent(tenantId, head, { type, subject });
        events.push(event);
        head = event;
      }
      await store.audit.append(tenantId, events);
      expect((await store.audit.list(tenantId, { type: 'vote.cast' })).map((event) => event.seq)).toEqual([2, 4]);
      expect((await store.audit.list(tenantId, { subject: 'act_2' })).map((event) => event.seq)).toEqual([3]);
      expect((await store.audit.list(tenantId, { type: 'vote.cast', subject: 'apr_1', afterSeq: 2 })).map((event) => event.seq)).toEqual([
        4,
      ]);
    });

    it('refuses events that do not continue the head, or belong to another tenant', async () => {
      const tenantId = await newTenant(store);
      const otherTenant = await newTenant(store);
      const [first, second] = chain(tenantId, 2);
      await store.audit.append(tenantId, [first!]);

      // Built on a head that has moved since: a second writer that skipped lockHead.
      const stale = nextEvent(tenantId, { seq: 0, hash: GENESIS_HASH }, { seq: 2 });
      await expect(store.audit.append(tenantId, [stale])).rejects.toBeInstanceOf(StoreConflictError);
      // Refused inside a transaction that goes on, it wrote nothing either.
      const seen = await store.transaction(async (scope) => {
        await expect(scope.audit.append(tenantId, [stale])).rejects.toBeInstanceOf(StoreConflictError);
        return scope.audit.count(tenantId);
      });
      expect(seen).toBe(1);
      await expect(store.audit.append(tenantId, [nextEvent(tenantId, { seq: 0, hash: GENESIS_HASH })])).rejects.toBeInstanceOf(
        StoreConflictError,
      );
      await expect(store.audit.append(otherTenant, [second!])).rejects.toThrow(/another tenant/);
      await expect(store.audit.append(tenantId, [second!, { ...second!, seq: 4 }])).rejects.toThrow(/does not follow/);

      expect(await store.audit.head(tenantId)).toEqual({ seq: 1, hash: first!.hash });
      await store.audit.append(tenantId, [second!]);
      expect(await store.audit.count(tenantId)).toBe(2);
      expect(await store.audit.count(otherTenant)).toBe(0);
    });

    it('numbers 20 concurrent appenders 1..20 with no gap, duplicate or fork', async () => {
      const tenantId = await newTenant(store);
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.transaction(async (scope) => {
            const head = await scope.audit.lockHead(tenantId);
            // Give the other transactions every chance to read the same head.
            await yieldTurn();
            await scope.audit.append(tenantId, [nextEvent(tenantId, head, { data: { appender: i } })]);
          }),
        ),
      );
      const events = await store.audit.list(tenantId);
      expect(events.map((event) => event.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      events.forEach((event, i) => expect(event.prev_hash).toBe(i === 0 ? GENESIS_HASH : events[i - 1]!.hash));
      expect(new Set(events.map((event) => event.data.appender)).size).toBe(20);
      expect(await store.audit.head(tenantId)).toEqual({ seq: 20, hash: events[19]!.hash });
    });

    it('numbers and hashes unsealed events onto the chain: in a transaction at commit, reads see them, a rollback leaves none', async () => {
      const tenantId = await newTenant(store);
      const unsealed = (i: number) => unsealedEvent(tenantId, { i });
      await store.audit.appendUnsealed(tenantId, [unsealed(0)]);
      const seen = await store.transaction(async (scope) => {
        await scope.audit.appendUnsealed(tenantId, [unsealed(1)]);
        await scope.audit.appendUnsealed(tenantId, [unsealed(2), unsealed(3)]);
        return { head: await scope.audit.head(tenantId), count: await scope.audit.count(tenantId) };
      });
      const events = await store.audit.list(tenantId);
      expect(seen.count).toBe(4);
      expect(events.map((event) => [event.seq, event.data.i])).toEqual([
        [1, 0],
        [2, 1],
        [3, 2],
        [4, 3],
      ]);
      events.forEach((event, i) => expect(event.prev_hash).toBe(i === 0 ? GENESIS_HASH : events[i - 1]!.hash));
      expect(seen.head).toEqual({ seq: 4, hash: events[3]!.hash });

      await expect(
        store.transaction(async (scope) => {
          await scope.audit.appendUnsealed(tenantId, [unsealed(4)]);
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect(await store.audit.head(tenantId)).toEqual({ seq: 4, hash: events[3]!.hash });

      // Concurrent writers each hold their events until commit, and still form one chain.
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          store.transaction(async (scope) => {
            await scope.audit.appendUnsealed(tenantId, [unsealed(10 + i)]);
            await yieldTurn();
            await scope.audit.appendUnsealed(tenantId, [unsealed(20 + i)]);
          }),
        ),
      );
      const all = await store.audit.list(tenantId);
      expect(all.map((event) => event.seq)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
      all.forEach((event, i) => expect(event.prev_hash).toBe(i === 0 ? GENESIS_HASH : all[i - 1]!.hash));
    });

    it("takes tenants' chain heads in one order, so transactions writing to two tenants in opposite orders do not deadlock", async () => {
      const [first, second] = [await newTenant(store), await newTenant(store)];
      const unsealed = (tenantId: string, i: number) => unsealedEvent(tenantId, { i });
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.transaction(async (scope) => {
            const [a, b] = i % 2 === 0 ? [first, second] : [second, first];
            await scope.audit.appendUnsealed(a, [unsealed(a, i)]);
            await yieldTurn();
            await scope.audit.appendUnsealed(b, [unsealed(b, i)]);
          }),
        ),
      );
      for (const tenantId of [first, second]) expect(await store.audit.count(tenantId)).toBe(20);
    });

    it('pages 100 events by default and at most 1000', async () => {
      const tenantId = await newTenant(store);
      await store.audit.append(tenantId, chain(tenantId, 1005));
      expect(await store.audit.count(tenantId)).toBe(1005);
      expect(await store.audit.list(tenantId)).toHaveLength(100);
      const all = await store.audit.list(tenantId, { limit: 5000 });
      expect(all).toHaveLength(1000);
      expect(all[999]!.seq).toBe(1000);
      expect((await store.audit.list(tenantId, { afterSeq: 1000, limit: 5000 })).map((event) => event.seq)).toEqual([
        1001, 1002, 1003, 1004, 1005,
      ]);
    });
  });

  describe('questions', () => {
    const questionRecord = (tenantId: string, overrides: Partial<QuestionRecord> = {}): QuestionRecord => ({
      tenant_id: tenantId,
      id: `qst_${randomUUID()}`,
      agent: 'deploy-bot',
      question: 'Which region should the canary go to?',
      choices: ['eu-west-1', 'us-east-1'],
      multiple: false,
      free_text: true,
      context: { service: 'checkout', nested: { list: [1, 'two', null] } },
      urgency: 'high',
      status: 'pending',
      approvers: ['oncall'],
      escalated: false,
      deadline: T0 + 3_600_000,
      created_at: T0,
      answered_at: null,
      answer: null,
      answered_by: null,
      version: 0,
      ...overrides,
    });

    it('stores a question as asked, once per id, within its tenant', async () => {
      const tenantId = await newTenant(store);
      const otherTenant = await newTenant(store);
      const question = questionRecord(tenantId);
      await store.questions.insert(question);
      await expectConflict(store.questions.insert(question), 'questions_pkey');
      const freeText = questionRecord(tenantId, { choices: null, deadline: null, urgency: 'low' });
      await store.questions.insert(freeText);
      expect(await store.questions.get(tenantId, question.id)).toEqual(question);
      expect(await store.questions.get(tenantId, freeText.id)).toEqual(freeText);
      expect(await store.questions.get(otherTenant, question.id)).toBeUndefined();
      expect(await store.questions.list(otherTenant)).toEqual([]);
    });

    it('answers only a pending question at the version read, once', async () => {
      const tenantId = await newTenant(store);
      const question = questionRecord(tenantId);
      await store.questions.insert(question);
      const answer = {
        answer: { choices: ['eu-west-1'], text: 'quieter at night' },
        answered_by: 'user:usr_alice',
        answered_at: T0 + 5,
        status: 'answered' as const,
      };
      expect(await store.questions.update(tenantId, question.id, 1, answer)).toBe(false);
      expect(await store.questions.update(tenantId, question.id, 0, answer)).toBe(true);
      // Answered: no longer pending, so a second answer at any version changes nothing.
      expect(await store.questions.update(tenantId, question.id, 1, { ...answer, answered_by: 'user:usr_bob' })).toBe(false);
      expect(await store.questions.get(tenantId, question.id)).toEqual({ ...question, ...answer, version: 1 });
    });

    it('lists newest first by status with pages, and finds the due ones across tenants', async () => {
      const tenantId = await newTenant(store);
      const otherTenant = await newTenant(store);
      const first = questionRecord(tenantId, { id: 'qst_01', deadline: T0 + 10 });
      const second = questionRecord(tenantId, { id: 'qst_02', deadline: T0 + 30 });
      const answered = questionRecord(tenantId, { id: 'qst_03', status: 'answered', deadline: T0 });
      const elsewhere = questionRecord(otherTenant, { id: 'qst_04', deadline: T0 + 20 });
      for (const question of [second, answered, first, elsewhere]) await store.questions.insert(question);
      expect((await store.questions.list(tenantId)).map((q) => q.id)).toEqual(['qst_03', 'qst_02', 'qst_01']);
      expect((await store.questions.list(tenantId, { status: ['pending'] })).map((q) => q.id)).toEqual(['qst_02', 'qst_01']);
      expect((await store.questions.list(tenantId, { status: ['pending'], after: 'qst_02' })).map((q) => q.id)).toEqual(['qst_01']);
      expect(await store.questions.list(tenantId, { status: [] })).toEqual([]);
      const due = (await store.questions.due(T0 + 20, 10)).filter((q) => [tenantId, otherTenant].includes(q.tenant_id));
      expect(due.map((q) => q.id)).toEqual(['qst_01', 'qst_04']);
      expect((await store.questions.due(T0 + 20, 1)).length).toBe(1);
    });
  });

  describe('transactions', () => {
    it('commits and returns what the work returns', async () => {
      const tenantId = id('ten');
      const result = await store.transaction(async (scope) => {
        await scope.tenants.ensure({ id: tenantId, name: 'T', created_at: T0 });
        return scope.tenants.get(tenantId);
      });
      expect(result).toEqual({ id: tenantId, name: 'T', created_at: T0 });
      expect(await store.tenants.get(tenantId)).toEqual(result);
    });

    it('leaves nothing behind when the work throws', async () => {
      const tenantId = id('ten');
      const user = userRecord(tenantId);
      const action = actionRecord(tenantId);
      const failure = new Error('boom');
      const attempt = store.transaction(async (scope) => {
        await scope.tenants.ensure({ id: tenantId, name: 'T', created_at: T0 });
        await scope.users.insert(user);
        await scope.actions.insert(action);
        await scope.audit.append(tenantId, chain(tenantId, 2, await scope.audit.lockHead(tenantId)));
        throw failure;
      });
      await expect(attempt).rejects.toBe(failure);
      expect(await store.tenants.get(tenantId)).toBeUndefined();
      expect(await store.users.get(tenantId, user.id)).toBeUndefined();
      expect(await store.actions.get(tenantId, action.id)).toBeUndefined();
      expect(await store.audit.head(tenantId)).toEqual({ seq: 0, hash: GENESIS_HASH });
      expect(await store.audit.count(tenantId)).toBe(0);
    });

    it('rolls back the rest when a write conflicts', async () => {
      const tenantId = await newTenant(store);
      await store.users.insert(userRecord(tenantId, { name: 'alice' }));
      const action = actionRecord(tenantId);
      const attempt = store.transaction(async (scope) => {
        await scope.actions.insert(action);
        await scope.users.insert(userRecord(tenantId, { name: 'alice' }));
      });
      await expect(attempt).rejects.toBeInstanceOf(StoreConflictError);
      expect(await store.actions.get(tenantId, action.id)).toBeUndefined();
    });

    it('stays usable after a conflict the work catches', async () => {
      const tenantId = await newTenant(store);
      const first = actionRecord(tenantId, { idempotency_key: 'req-1' });
      await store.actions.insert(first);
      const duplicate = actionRecord(tenantId, { idempotency_key: 'req-1' });
      const user = userRecord(tenantId);
      const existing = await store.transaction(async (scope) => {
        await expectConflict(scope.actions.insert(duplicate), 'actions_idempotency_key');
        await scope.users.insert(user);
        return scope.actions.findByIdempotencyKey(tenantId, duplicate.agent, 'req-1');
      });
      expect(existing).toEqual(first);
      expect(await store.users.get(tenantId, user.id)).toEqual(user);
      expect(await store.actions.get(tenantId, duplicate.id)).toBeUndefined();
    });

    it('holds inserts of new records when asked: written together, seen by the next statement, a repeat fails the whole transaction', async () => {
      const tenantId = await newTenant(store);
      const ann = userRecord(tenantId, { name: 'ann' });
      await store.users.insert(ann);
      const older = actionRecord(tenantId);
      await store.actions.insert(older);
      const olderRequest = approvalRecord(tenantId, older.id);
      await store.approvals.insert(olderRequest);
      const [a, b, c] = [actionRecord(tenantId), actionRecord(tenantId, { idempotency_key: 'k-1' }), actionRecord(tenantId)];
      const request = approvalRecord(tenantId, c.id);
      const opened = { tenant_id: tenantId, approval_id: request.id, step_id: 'review', user_id: ann.id, assigned_at: T0, closed_at: null };
      const carl = userRecord(tenantId, { name: 'carl' });
      const inside = await store.transaction(
        async (scope) => {
          await scope.actions.insert(a);
          await scope.actions.insert(b);
          const read = await scope.actions.findByIdempotencyKey(tenantId, b.agent, 'k-1');
          // A new request, its first event and its assignment are held too, written after its action.
          await scope.actions.insert(c);
          await scope.approvals.insert(request);
          await scope.approvalEvents.append({
            approval_id: request.id,
            seq: 1,
            tenant_id: tenantId,
            event: { type: 'cancel', reason: 'test' },
            at: T0,
          });
          const before = (await scope.assignments.openCounts(tenantId, [ann.id])).get(ann.id);
          await scope.assignments.add([opened, opened]);
          const after = (await scope.assignments.openCounts(tenantId, [ann.id])).get(ann.id);
          // An older request's assignment is written at once, as outside a group commit.
          await scope.assignments.add([{ ...opened, approval_id: olderRequest.id }]);
          await scope.assignments.add([{ ...opened, approval_id: olderRequest.id }]);
          // People are read once, and again after a change to them.
          const people = (await scope.users.list(tenantId)).map((user) => user.name);
          await scope.users.insert(carl);
          const morePeople = (await scope.users.list(tenantId)).map((user) => user.name);
          const seenRequest = await scope.approvals.get(tenantId, request.id);
          return { read, before, after, people, morePeople, seenRequest };
        },
        { holdInserts: true },
      );
      expect(inside).toEqual({ read: b, before: 0, after: 1, people: ['ann'], morePeople: ['ann', 'carl'], seenRequest: request });
      for (const action of [a, b, c]) expect(await store.actions.get(tenantId, action.id)).toEqual(action);
      expect(await store.approvals.get(tenantId, request.id)).toEqual(request);
      expect((await store.approvalEvents.list(tenantId, request.id)).map((event) => event.seq)).toEqual([1]);
      expect(await store.assignments.listByApproval(tenantId, request.id)).toEqual([opened]);
      expect((await store.assignments.openCounts(tenantId, [ann.id])).get(ann.id)).toBe(2);

      const d = actionRecord(tenantId);
      const repeat = actionRecord(tenantId, { idempotency_key: 'k-1' });
      await expect(
        store.transaction(
          async (scope) => {
            await scope.actions.insert(d);
            await scope.actions.insert(repeat);
          },
          { holdInserts: true },
        ),
      ).rejects.toBeInstanceOf(StoreConflictError);
      expect(await store.actions.get(tenantId, d.id)).toBeUndefined();
      expect(await store.actions.get(tenantId, repeat.id)).toBeUndefined();
    });

    it('holds the events of requests it updates past other updates, and writes them before a read or at commit', async () => {
      const tenantId = await newTenant(store);
      const ann = userRecord(tenantId, { name: 'ann' });
      await store.users.insert(ann);
      const action = actionRecord(tenantId, { status: 'pending' });
      await store.actions.insert(action);
      const request = approvalRecord(tenantId, action.id);
      await store.approvals.insert(request);
      const event = (seq: number) => ({
        approval_id: request.id,
        seq,
        tenant_id: tenantId,
        event: { type: 'tick' as const },
        at: T0 + seq,
      });
      await store.approvalEvents.append(event(1));
      await store.assignments.add([
        { tenant_id: tenantId, approval_id: request.id, step_id: 'review', user_id: ann.id, assigned_at: T0, closed_at: null },
      ]);

      const inside = await store.transaction(
        async (scope) => {
          const written = await scope.approvals.update(tenantId, request.id, 1, { status: 'denied', decided_at: T0 + 5 });
          await scope.approvalEvents.append(event(2));
          // Statements on other tables run with the event still held; a read of the events sees it.
          const moved = await scope.actions.transition(tenantId, action.id, ['pending'], { status: 'denied', decided_at: T0 + 5 });
          await scope.assignments.close(tenantId, request.id, null, T0 + 5);
          const events = (await scope.approvalEvents.list(tenantId, request.id)).map((e) => e.seq);
          await scope.approvals.update(tenantId, request.id, 2, { resolution: 'closed' });
          await scope.approvalEvents.append(event(3));
          return { written, moved, events };
        },
        { holdInserts: true },
      );
      expect(inside).toEqual({ written: true, moved: true, events: [1, 2] });
      expect((await store.approvalEvents.list(tenantId, request.id)).map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(await store.approvals.get(tenantId, request.id)).toMatchObject({ status: 'denied', version: 3, resolution: 'closed' });
      expect(await store.actions.get(tenantId, action.id)).toMatchObject({ status: 'denied' });
      expect((await store.assignments.openCounts(tenantId, [ann.id])).get(ann.id)).toBe(0);

      // A held event whose number is taken fails the whole transaction, the update with it.
      await expect(
        store.transaction(
          async (scope) => {
            await scope.approvals.update(tenantId, request.id, 3, { resolution: 'again' });
            await scope.approvalEvents.append(event(3));
          },
          { holdInserts: true },
        ),
      ).rejects.toBeInstanceOf(StoreConflictError);
      expect(await store.approvals.get(tenantId, request.id)).toMatchObject({ version: 3, resolution: 'closed' });
    });

    it('does not interleave concurrent transactions that read then write', async () => {
      const tenantId = await newTenant(store);
      const user = userRecord(tenantId, { groups: [] });
      await store.users.insert(user);
      // Each adds a group to what it read; a lost update would drop some of them.
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          store.transaction(async (scope) => {
            await scope.audit.lockHead(tenantId); // serialises the read-modify-write on PostgreSQL
            const current = await scope.users.get(tenantId, user.id);
            await yieldTurn();
            await scope.users.update(tenantId, user.id, { groups: [...(current?.groups ?? []), `g${i}`] });
          }),
        ),
      );
      expect((await store.users.get(tenantId, user.id))?.groups).toHaveLength(10);
    });

    it('refuses calls to the store itself from inside the work', async () => {
      const tenantId = await newTenant(store);
      let later: Promise<unknown> | undefined;
      await store.transaction(async (scope) => {
        await expect(store.tenants.get(tenantId)).rejects.toThrow(/use the scope/);
        await expect(store.transaction(async () => 1)).rejects.toThrow(/use the scope/);
        expect(await scope.tenants.get(tenantId)).toMatchObject({ id: tenantId });
        // Work the transaction leaves behind may use the store once the transaction is over.
        later = new Promise((resolve) => setImmediate(resolve)).then(() => store.tenants.get(tenantId));
      });
      expect(await later).toMatchObject({ id: tenantId });
    });

    it('retries on PostgreSQL serialization failures, never on SQLite', async () => {
      let attempts = 0;
      const work = store.transaction(async () => {
        attempts++;
        if (attempts === 1) throw Object.assign(new Error('could not serialize access'), { code: '40001' });
        return 'done';
      });
      if (backend.name === 'postgres') {
        await expect(work).resolves.toBe('done');
        expect(attempts).toBe(2);
      } else {
        await expect(work).rejects.toThrow('could not serialize access');
        expect(attempts).toBe(1);
      }
    });

    it.runIf(backend.name === 'postgres')('retries the loser of a real deadlock until both commit', async () => {
      const tenantId = await newTenant(store);
      const [u1, u2] = [userRecord(tenantId), userRecord(tenantId)];
      await store.users.insert(u1);
      await store.users.insert(u2);
      const aHasFirst = deferred();
      const bHasFirst = deferred();
      let attempts = 0;
      // Each locks one row, waits until the other has locked the other row, then wants it.
      const crossing = (mine: User, theirs: User, ready: ReturnType<typeof deferred>, other: ReturnType<typeof deferred>) =>
        store.transaction(async (scope) => {
          attempts++;
          await scope.users.update(tenantId, mine.id, { role: 'admin' });
          ready.resolve();
          await other.promise;
          return scope.users.update(tenantId, theirs.id, { role: 'auditor' });
        });
      const results = await Promise.all([crossing(u1, u2, aHasFirst, bHasFirst), crossing(u2, u1, bHasFirst, aHasFirst)]);
      expect(results).toEqual([true, true]);
      expect(attempts).toBeGreaterThanOrEqual(3);
    });
  });

  describe('notification tickets', () => {
    const ticket = (tenantId: string, approvalId: string, overrides: Partial<NotificationTicket> = {}): NotificationTicket => ({
      tenant_id: tenantId,
      approval_id: approvalId,
      channel: 'ops-jira',
      channel_type: 'jira',
      key: 'OPS-1',
      vendor_id: '10001',
      url: 'https://acme.atlassian.net/browse/OPS-1',
      digest: 'd1',
      created_at: T0,
      updated_at: T0,
      ...overrides,
    });

    it('keeps the first ticket of a request and channel, and finds it by request or by vendor id in its tenant only', async () => {
      const tenantId = await newTenant(store);
      const other = await newTenant(store);
      const approvalId = id('apr');
      const first = ticket(tenantId, approvalId);
      expect(await store.tickets.record(first)).toEqual(first);
      // A second sender that made or found a ticket too gets the one recorded.
      expect(await store.tickets.record({ ...first, key: 'OPS-2', vendor_id: '10002', created_at: T0 + 5 })).toEqual(first);
      expect(await store.tickets.get(tenantId, approvalId, 'ops-jira')).toEqual(first);
      expect(await store.tickets.get(tenantId, approvalId, 'other-channel')).toBeUndefined();
      expect(await store.tickets.findByVendorId(tenantId, 'ops-jira', '10001')).toEqual(first);
      expect(await store.tickets.findByVendorId(other, 'ops-jira', '10001')).toBeUndefined();
      expect(await store.tickets.findByVendorId(tenantId, 'ops-jira', '10002')).toBeUndefined();
      const snow = ticket(tenantId, approvalId, {
        channel: 'cab',
        channel_type: 'servicenow',
        key: 'CHG0030001',
        vendor_id: 'c'.repeat(32),
        created_at: T0 + 1,
      });
      await store.tickets.record(snow);
      expect(await store.tickets.listByApproval(tenantId, approvalId)).toEqual([first, snow]);
      expect(await store.tickets.listByApproval(other, approvalId)).toEqual([]);
      // The same vendor id in another tenant is another tenant's ticket.
      await store.tickets.record(ticket(other, approvalId));
      expect((await store.tickets.findByVendorId(other, 'ops-jira', '10001'))?.tenant_id).toBe(other);
    });

    it('refuses one vendor ticket for two requests, and updates the digest a ticket shows', async () => {
      const tenantId = await newTenant(store);
      const [a, b] = [id('apr'), id('apr')];
      await store.tickets.record(ticket(tenantId, a));
      await expectConflict(store.tickets.record(ticket(tenantId, b)), 'notification_tickets_vendor');
      expect(await store.tickets.get(tenantId, b, 'ops-jira')).toBeUndefined();
      await store.transaction((scope) => scope.tickets.setDigest(tenantId, a, 'ops-jira', 'd2', T0 + 9));
      expect(await store.tickets.get(tenantId, a, 'ops-jira')).toMatchObject({ digest: 'd2', updated_at: T0 + 9, created_at: T0 });
    });
  });

  describe('stored values', () => {
    it('round-trips JSON fields and millisecond timestamps exactly', async () => {
      const tenantId = await newTenant(store);
      const payload = {
        agent: 'finance-bot',
        amount_usd: 0.1 + 0.2,
        big: 2 ** 53 - 1,
        tiny: 5e-324,
        exp: 1e21,
        negative: -42,
        text: 'quotes " and \\ backslashes\nnew line\ttab ünïcödé ✓ 🚀 \u2028',
        empty: {},
        list: [1, 'two', null, true, false, [], { deep: { deeper: ['x'] } }],
        nothing: null,
      };
      const outcome = {
        status: 'failed' as const,
        detail: 'timeout',
        compensation: { capability: 'undo-transfer', args: { id: 7 } },
        reported_at: 2 ** 53 - 1,
      };
      const action = actionRecord(tenantId, {
        payload,
        created_at: Number.MAX_SAFE_INTEGER,
        decided_at: 0,
        outcome,
        status: 'failed',
      });
      await store.actions.insert(action);
      const read = await store.actions.get(tenantId, action.id);
      expect(read).toEqual(action);
      expect(read?.payload).toStrictEqual(payload);
      expect(read?.evaluation).toStrictEqual(EVALUATION);
      expect(typeof read?.created_at).toBe('number');
      expect(read?.created_at).toBe(Number.MAX_SAFE_INTEGER);
      expect(read?.decided_at).toBe(0);

      const approval = approvalRecord(tenantId, action.id, {
        deadline: Number.MAX_SAFE_INTEGER - 1,
        modifiable: { amount_usd: { min: 0, max: 1e6 } },
      });
      await store.approvals.insert(approval);
      const readApproval = await store.approvals.get(tenantId, approval.id);
      expect(readApproval).toStrictEqual(approval);
      expect(typeof readApproval?.deadline).toBe('number');

      const event = nextEvent(tenantId, { seq: 0, hash: GENESIS_HASH }, { data: payload, created_at: Number.MAX_SAFE_INTEGER });
      await store.audit.append(tenantId, [event]);
      const [readEvent] = await store.audit.list(tenantId);
      expect(readEvent).toStrictEqual(event);
      expect(typeof readEvent?.seq).toBe('number');
      expect(typeof (await store.audit.count(tenantId))).toBe('number');
    });

    it.runIf(backend.name === 'postgres')('parses bigint columns per pool, leaving pg global parsers alone', () => {
      expect(pg.types.getTypeParser(20, 'text')('12')).toBe('12');
    });

    it.runIf(backend.name === 'sqlite')('keeps the file in WAL mode under folders it creates, locking it at BEGIN', async () => {
      const folder = mkdtempSync(join(tmpdir(), 'tollgate-wal-'));
      const path = join(folder, '.tollgate', 'nested', 'tollgate.db');
      try {
        const fileStore = await openStore(path);
        await fileStore.migrate();
        await newTenant(fileStore);
        expect(existsSync(path)).toBe(true);
        expect(existsSync(`${path}-wal`)).toBe(true);

        // Another process cannot start writing while a transaction that has only read is open:
        // the write lock is taken at BEGIN, not at the first write.
        const other = new Database(path, { timeout: 0 });
        try {
          await fileStore.transaction(async (scope) => {
            await scope.tenants.get('anyone');
            expect(() => other.exec('begin immediate')).toThrow(/locked|busy/i);
          });
          other.exec('begin immediate');
          other.exec('rollback');
        } finally {
          other.close();
        }
        await fileStore.close();
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    });
  });
});

describe('openStore', () => {
  it('opens an in-memory SQLite database', async () => {
    const memory = await openStore(':memory:');
    try {
      expect(memory.dialect).toBe('sqlite');
      await memory.migrate();
      const tenantId = await newTenant(memory);
      expect(await memory.tenants.get(tenantId)).toMatchObject({ id: tenantId });
    } finally {
      await memory.close();
    }
  });

  it('treats postgres:// and postgresql:// URLs as PostgreSQL', async () => {
    for (const url of [PG_URL, PG_URL.replace('postgres://', 'postgresql://')]) {
      const store = await openStore(url, { schema: 'unused_schema', poolSize: 1 });
      expect(store.dialect).toBe('postgres');
      await store.close();
    }
  });

  it('refuses a schema name it cannot pass safely', async () => {
    await expect(openStore(PG_URL, { schema: 'bad; drop' })).rejects.toThrow(/schema name/);
  });
});
