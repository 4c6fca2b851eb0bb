// The Store over Kysely: one implementation for SQLite and PostgreSQL, differing only in how
// transactions are retried and rows locked.

import { setTimeout as delay } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { migrateToLatest } from '../../db/migrate.js';
import type { Database, Dialect } from '../../db/schema.js';
import type { EventChannel } from '../../db/postgres-events.js';
import type { Store, StoreScope, TransactionOptions } from '../store.js';
import { isRetryable } from './errors.js';
import { ReentryGuard } from './reentry-guard.js';
import { createScope } from './scope.js';
import { transactionScope } from './transaction-scope.js';

/** Attempts of a PostgreSQL transaction that keeps losing to concurrent ones before giving up. */
const MAX_ATTEMPTS = 5;

export interface KyselyStoreOptions {
  /** PostgreSQL: the schema the connections use, where migrations create the tables. */
  schema?: string;
  /** PostgreSQL: events between the processes sharing the database. */
  events?: EventChannel;
}

export class KyselyStore implements Store {
  readonly settings;
  readonly tenants;
  readonly users;
  readonly keys;
  readonly sessions;
  readonly signInFailures;
  readonly actions;
  readonly approvals;
  readonly approvalEvents;
  readonly jobs;
  readonly assignments;
  readonly agents;
  readonly agentRecords;
  readonly reviews;
  readonly votes;
  readonly grants;
  readonly standingApprovals;
  readonly audit;
  readonly auditSignatures;
  readonly metrics;
  readonly shadowDiffs;
  readonly tenantPolicies;
  readonly outbox;
  readonly notificationLinks;
  readonly identities;
  readonly tickets;
  readonly questions;
  readonly #guard = new ReentryGuard();
  readonly events: EventChannel | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    readonly dialect: Dialect,
    private readonly options: KyselyStoreOptions = {},
  ) {
    this.events = options.events;
    const scope = this.#guard.guard(createScope({ db, dialect }));
    this.settings = scope.settings;
    this.tenants = scope.tenants;
    this.users = scope.users;
    this.keys = scope.keys;
    this.sessions = scope.sessions;
    this.signInFailures = scope.signInFailures;
    this.actions = scope.actions;
    this.approvals = scope.approvals;
    this.approvalEvents = scope.approvalEvents;
    this.jobs = scope.jobs;
    this.assignments = scope.assignments;
    this.agents = scope.agents;
    this.agentRecords = scope.agentRecords;
    this.reviews = scope.reviews;
    this.votes = scope.votes;
    this.grants = scope.grants;
    this.standingApprovals = scope.standingApprovals;
    this.audit = scope.audit;
    this.auditSignatures = scope.auditSignatures;
    this.metrics = scope.metrics;
    this.shadowDiffs = scope.shadowDiffs;
    this.tenantPolicies = scope.tenantPolicies;
    this.outbox = scope.outbox;
    this.notificationLinks = scope.notificationLinks;
    this.identities = scope.identities;
    this.tickets = scope.tickets;
    this.questions = scope.questions;
  }

  async migrate(): Promise<void> {
    this.#guard.check();
    await migrateToLatest(this.db, {
      dialect: this.dialect,
      ...(this.options.schema === undefined ? {} : { schema: this.options.schema }),
    });
  }

  /**
   * SQLite: BEGIN IMMEDIATE on the single connection; concurrent calls wait their turn.
   * PostgreSQL: READ COMMITTED; on a serialization failure or deadlock the whole of `work` runs
   * again, so it must not have effects outside the scope. On both, `work` must use the scope it
   * is given: calling this store while it runs throws.
   */
  async transaction<T>(work: (scope: StoreScope) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    this.#guard.check();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().execute((trx) => this.#guard.run(() => this.#inTransaction(trx, work, options)));
      } catch (error) {
        if (this.dialect !== 'postgres' || attempt >= MAX_ATTEMPTS || !isRetryable(error)) throw error;
        // Jittered backoff, so the transactions that collided do not collide again in lockstep.
        await delay(Math.random() * 10 * 2 ** attempt);
      }
    }
  }

  async #inTransaction<T>(trx: Kysely<Database>, work: (scope: StoreScope) => Promise<T>, options: TransactionOptions): Promise<T> {
    const { scope, finish } = transactionScope({ db: trx, dialect: this.dialect }, options);
    const result = await work(scope);
    await finish();
    return result;
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
