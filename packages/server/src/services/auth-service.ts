// People, agents and workers: users with scrypt passwords and roles, agent and worker API keys
// (hashed, shown once), sessions for the dashboard and tokens for the CLI, and resolving a bearer
// token to a principal.

import { rateLimited, TollgateError } from '../errors.js';
import { FailureWindow } from '../auth/failure-window.js';
import { DUMMY_HASH, hashPassword, verifyPassword } from '../auth/passwords.js';
import { ROLES, type ApiKey, type KeyKind, type Role, type User } from '../stores/records.js';
import { StoreConflictError, type Store } from '../stores/store.js';
import type { Clock } from '../util/clock.js';
import { newId, newSecret, sha256 } from '../util/ids.js';
import { appendAudit } from './audit-chain.js';
import type { Principal } from './principals.js';

export { ROLES };
export const DEFAULT_TENANT = 'default';
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const KEY_PREFIX = 'tg_key';
const SESSION_PREFIX = 'tg_ses';
/** What a person's, an agent's or a group's name may be. */
export const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
/** As long as `GET /v1/jobs/next` takes; no spaces or commas, so a listing of them reads unambiguously. */
const CAPABILITY = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,99}$/;

export interface NewUser {
  name: string;
  password: string;
  role: Role;
  groups?: string[];
  tenant?: string;
}

/** How long a looked-up API key is trusted without asking the database again (revocation delay). */
const KEY_CACHE_MS = 5_000;
const KEY_CACHE_LIMIT = 10_000;
const TOUCH_EVERY_MS = 60_000;
/** Failed sign-ins one name may have in a window before it is refused until the window ends. */
export const LOGIN_FAILURES_PER_NAME = 10;
export const LOGIN_FAILURE_WINDOW_MS = 15 * 60 * 1000;
/** Wrong passwords one client address may send in a window, across names (password spraying); per node. */
export const LOGIN_FAILURES_PER_ADDRESS = 10;
export const LOGIN_ADDRESS_WINDOW_MS = 60 * 1000;

/** Refuses a worker name or capability list a worker key cannot have; callers check before changing anything. */
export function checkWorkerKey(worker: string, capabilities: readonly string[]): void {
  if (!NAME.test(worker))
    throw new TollgateError('request.invalid', 'a worker name is 1–64 letters, digits, `.`, `_`, `@` or `-`', { field: 'worker' });
  if (capabilities.length === 0)
    throw new TollgateError('request.invalid', 'a worker key needs at least one capability', { field: 'capability' });
  for (const capability of capabilities) {
    if (!CAPABILITY.test(capability))
      throw new TollgateError(
        'request.invalid',
        `capability \`${capability}\` is not 1–100 letters, digits, \`.\`, \`_\`, \`:\`, \`/\`, \`@\` or \`-\``,
        { field: 'capability' },
      );
  }
}

export class AuthService {
  private readonly keyCache = new Map<string, { principal: Principal; until: number }>();
  /** In memory: an address's guesses reach one node at a time only through its balancer, and each node limits its share. */
  private readonly addressFailures: FailureWindow;

  constructor(private readonly deps: { store: Store; clock: Clock }) {
    this.addressFailures = new FailureWindow({
      max: LOGIN_FAILURES_PER_ADDRESS,
      windowMs: LOGIN_ADDRESS_WINDOW_MS,
      now: () => deps.clock.now(),
    });
  }

  /** Deletes expired sessions and ended sign-in windows, which nothing reads again. */
  async purgeExpired(): Promise<{ sessions: number; signInWindows: number }> {
    const now = this.deps.clock.now();
    const sessions = await this.deps.store.sessions.deleteExpired(now);
    const signInWindows = await this.deps.store.signInFailures.deleteEnded(now);
    return { sessions, signInWindows };
  }

  async ensureTenant(tenantId: string): Promise<void> {
    await this.deps.store.tenants.ensure({ id: tenantId, name: tenantId, created_at: this.deps.clock.now() });
  }

  async addUser(input: NewUser, actor = 'system'): Promise<User> {
    if (!NAME.test(input.name))
      throw new TollgateError('request.invalid', 'a user name is 1–64 letters, digits, `.`, `_`, `@` or `-`', { field: 'name' });
    if (!ROLES.includes(input.role))
      throw new TollgateError('request.invalid', `\`role\` must be one of ${ROLES.join(', ')}`, { field: 'role' });
    if (input.role === 'operator' && (input.tenant ?? DEFAULT_TENANT) !== DEFAULT_TENANT)
      throw new TollgateError('request.invalid', 'an operator runs the whole server: add them without `--tenant`', { field: 'tenant' });
    if (input.password.length < 8)
      throw new TollgateError('request.invalid', 'a password needs at least 8 characters', { field: 'password' });
    const groups = input.groups ?? [];
    for (const group of groups) {
      if (!NAME.test(group)) throw new TollgateError('request.invalid', `group \`${group}\` is not a valid group name`, { field: 'group' });
    }
    const tenantId = input.tenant ?? DEFAULT_TENANT;
    await this.ensureTenant(tenantId);
    const now = this.deps.clock.now();
    const user: User = {
      id: newId('usr', now),
      tenant_id: tenantId,
      name: input.name,
      role: input.role,
      groups,
      password_hash: await hashPassword(input.password),
      out_of_office: false,
      created_at: now,
      disabled_at: null,
    };
    try {
      await this.deps.store.transaction(async (scope) => {
        await scope.users.insert(user);
        await appendAudit(
          scope,
          tenantId,
          [{ type: 'user.created', actor, subject: user.id, data: { name: user.name, role: user.role, groups } }],
          now,
        );
      });
    } catch (error) {
      if (error instanceof StoreConflictError)
        throw new TollgateError('user.exists', `a user named \`${input.name}\` exists already`, { field: 'name' });
      throw error;
    }
    return user;
  }

  /** Gives a person a new password and ends their sessions, so a password shown once (the first admin's) can be replaced. */
  async setPassword(
    name: string,
    password: string,
    tenantId = DEFAULT_TENANT,
    actor = 'system',
  ): Promise<{ user: User; sessions: number }> {
    if (password.length < 8) throw new TollgateError('request.invalid', 'a password needs at least 8 characters', { field: 'password' });
    const user = await this.deps.store.users.findByName(tenantId, name);
    if (user === undefined)
      throw new TollgateError('request.invalid', `no user named \`${name}\` in tenant \`${tenantId}\``, { field: 'name' });
    const password_hash = await hashPassword(password);
    const now = this.deps.clock.now();
    const sessions = await this.deps.store.transaction(async (scope) => {
      await scope.users.update(tenantId, user.id, { password_hash });
      const ended = await scope.sessions.deleteByUser(tenantId, user.id);
      await appendAudit(
        scope,
        tenantId,
        [{ type: 'user.password_changed', actor, subject: user.id, data: { name: user.name, sessions_ended: ended } }],
        now,
      );
      return ended;
    });
    return { user: { ...user, password_hash }, sessions };
  }

  listUsers(tenantId = DEFAULT_TENANT): Promise<User[]> {
    return this.deps.store.users.list(tenantId);
  }

  /** Creates an API key for an agent; the returned secret is shown once and never stored. */
  async createKey(agent: string, tenantId = DEFAULT_TENANT, actor = 'system'): Promise<{ key: ApiKey; secret: string }> {
    if (!NAME.test(agent))
      throw new TollgateError('request.invalid', 'an agent name is 1–64 letters, digits, `.`, `_`, `@` or `-`', { field: 'agent' });
    return this.insertKey(agent, 'agent', [], tenantId, actor);
  }

  /**
   * Creates a worker key: it takes jobs of `capabilities` only, and never a job of an action that
   * an agent named `worker` requested. It cannot submit actions. The secret is shown once.
   */
  async createWorkerKey(
    worker: string,
    capabilities: readonly string[],
    tenantId = DEFAULT_TENANT,
    actor = 'system',
  ): Promise<{ key: ApiKey; secret: string }> {
    checkWorkerKey(worker, capabilities);
    return this.insertKey(worker, 'worker', [...new Set(capabilities)], tenantId, actor);
  }

  private async insertKey(
    name: string,
    kind: KeyKind,
    capabilities: string[],
    tenantId: string,
    actor: string,
  ): Promise<{ key: ApiKey; secret: string }> {
    await this.ensureTenant(tenantId);
    const now = this.deps.clock.now();
    const secret = newSecret(KEY_PREFIX);
    const key: ApiKey = {
      id: newId('key', now),
      tenant_id: tenantId,
      agent: name,
      kind,
      capabilities,
      key_hash: sha256(secret),
      prefix: secret.slice(0, 14),
      created_at: now,
      revoked_at: null,
      last_used_at: null,
    };
    const data = kind === 'agent' ? { agent: name, prefix: key.prefix } : { worker: name, kind, capabilities, prefix: key.prefix };
    await this.deps.store.transaction(async (scope) => {
      await scope.keys.insert(key);
      await appendAudit(scope, tenantId, [{ type: 'key.created', actor, subject: key.id, data }], now);
    });
    return { key, secret };
  }

  listKeys(tenantId = DEFAULT_TENANT): Promise<ApiKey[]> {
    return this.deps.store.keys.list(tenantId);
  }

  async revokeKey(id: string, tenantId = DEFAULT_TENANT, actor = 'system'): Promise<void> {
    // This process stops trusting the key at once; other processes within KEY_CACHE_MS.
    this.keyCache.clear();
    const now = this.deps.clock.now();
    await this.deps.store.transaction(async (scope) => {
      if (!(await scope.keys.revoke(tenantId, id, now))) throw new TollgateError('key.not_found', `no active key \`${id}\``);
      await appendAudit(scope, tenantId, [{ type: 'key.revoked', actor, subject: id }], now);
    });
  }

  /**
   * Checks a name and password; the same work is done for unknown names so timing reveals nothing.
   * Every sign-in creates a new session token: nothing the client sends can choose it.
   */
  async login(
    name: string,
    password: string,
    tenantId = DEFAULT_TENANT,
    address?: string,
  ): Promise<{ token: string; user: User; expires_at: number }> {
    const user = await this.checkPassword(name, password, tenantId, address);
    const now = this.deps.clock.now();
    const token = newSecret(SESSION_PREFIX);
    const expires_at = now + SESSION_TTL_MS;
    await this.deps.store.transaction(async (scope) => {
      await scope.sessions.insert({ token_hash: sha256(token), tenant_id: tenantId, user_id: user.id, created_at: now, expires_at });
      await appendAudit(scope, tenantId, [{ type: 'user.login', actor: `user:${user.id}`, subject: user.id }], now);
    });
    return { token, user, expires_at };
  }

  /**
   * The person a name and password stand for. Every place that takes a password (sign-in, the
   * one-click link form) checks it here, so that failures add up wherever they happen: per name in
   * the database (all nodes), and per client `address` (the request's, when it came over the
   * network) on this node, so that one password tried against many names is stopped as well.
   */
  async checkPassword(name: string, password: string, tenantId = DEFAULT_TENANT, address?: string): Promise<User> {
    const client = address === undefined ? undefined : `ip:${address}`;
    if (client !== undefined) {
      const wait = this.addressFailures.retryAfter(client);
      if (wait > 0) throw rateLimited(wait, 'too many failed sign-ins from this address');
      // Counted before the check, like the name below, so a burst cannot pass before the first failure is known.
      this.addressFailures.fail(client);
    }
    let failed = false;
    try {
      return await this.checkNamed(name, password, tenantId);
    } catch (error) {
      failed = error instanceof TollgateError && error.code === 'auth.invalid_credentials';
      throw error;
    } finally {
      // Only a wrong password counts. A success takes back its own count and no more: clearing the
      // address would let one good account wipe the guesses made between its sign-ins.
      if (client !== undefined && !failed) this.addressFailures.forgive(client);
    }
  }

  private async checkNamed(name: string, password: string, tenantId: string): Promise<User> {
    // Per tenant and name, whether the name exists or not, and on every node alike. Counted as
    // failed until it succeeds, so that guesses sent all at once cannot all pass before the first
    // is known to have failed.
    const counted = name.toLowerCase();
    const now = this.deps.clock.now();
    const { failures, window_ends_at } = await this.deps.store.signInFailures.count(tenantId, counted, now, LOGIN_FAILURE_WINDOW_MS);
    if (failures > LOGIN_FAILURES_PER_NAME) throw rateLimited(window_ends_at - now, `too many failed sign-ins for \`${name}\``);
    const user = await this.deps.store.users.findByName(tenantId, name);
    const valid = await verifyPassword(password, user?.password_hash ?? DUMMY_HASH);
    if (user === undefined || !valid || user.disabled_at !== null)
      throw new TollgateError('auth.invalid_credentials', 'wrong name or password');
    await this.deps.store.signInFailures.clear(tenantId, counted);
    return user;
  }

  async setOutOfOffice(principal: { tenant_id: string; user: User }, away: boolean): Promise<User> {
    const now = this.deps.clock.now();
    await this.deps.store.transaction(async (scope) => {
      await scope.users.update(principal.tenant_id, principal.user.id, { out_of_office: away });
      await appendAudit(
        scope,
        principal.tenant_id,
        [{ type: away ? 'user.out_of_office' : 'user.back_in_office', actor: `user:${principal.user.id}`, subject: principal.user.id }],
        now,
      );
    });
    return { ...principal.user, out_of_office: away };
  }

  async logout(token: string): Promise<void> {
    await this.deps.store.sessions.delete(sha256(token));
  }

  /** The principal a bearer token or session cookie stands for, or undefined when it stands for none. */
  async authenticate(token: string): Promise<Principal | undefined> {
    const now = this.deps.clock.now();
    if (token.startsWith(`${KEY_PREFIX}_`)) {
      const hash = sha256(token);
      const known = this.keyCache.get(hash);
      // A key looked up moments ago is trusted for a moment more: agents send bursts of requests.
      if (known !== undefined && known.until > now) return known.principal;
      const key = await this.deps.store.keys.findByHash(hash);
      // A kind this version does not know grants nothing (fail closed).
      if (key === undefined || key.revoked_at !== null || (key.kind !== 'agent' && key.kind !== 'worker')) return undefined;
      // Last-used is advisory: written at most once a minute per key, never awaited.
      if (key.last_used_at === null || now - key.last_used_at > TOUCH_EVERY_MS)
        void this.deps.store.keys.touch(key.id, now).catch(() => undefined);
      const principal: Principal =
        key.kind === 'worker'
          ? { kind: 'worker', tenant_id: key.tenant_id, worker: key.agent, key_id: key.id, capabilities: key.capabilities }
          : { kind: 'agent', tenant_id: key.tenant_id, agent: key.agent, key_id: key.id };
      if (this.keyCache.size >= KEY_CACHE_LIMIT) this.keyCache.clear();
      this.keyCache.set(hash, { principal, until: now + KEY_CACHE_MS });
      return principal;
    }
    if (token.startsWith(`${SESSION_PREFIX}_`)) {
      const session = await this.deps.store.sessions.findByHash(sha256(token));
      if (session === undefined || session.expires_at <= now) return undefined;
      const user = await this.deps.store.users.get(session.tenant_id, session.user_id);
      if (user === undefined || user.disabled_at !== null) return undefined;
      return { kind: 'user', tenant_id: session.tenant_id, user };
    }
    return undefined;
  }
}
