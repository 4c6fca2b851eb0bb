// Caps on requests held open (long-polls with `wait`, event streams) per API key, per session and
// per node, so that one caller cannot take every connection and the memory behind them. Past a cap
// a request is refused before any work; its slot is freed once, however the request ends.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LimitSettings } from '../config/server-settings.js';
import { TollgateError } from '../errors.js';
import { sha256 } from '../util/ids.js';
import { whenEnded } from './abort.js';
import { tokenOf } from './auth.js';

/** A held request ends within a minute; a few seconds is a fair guess at when a slot is free. */
export const HELD_RETRY_AFTER_SECONDS = 5;

declare module 'fastify' {
  interface FastifyInstance {
    /** Set by buildApp: the requests this node holds open. */
    held: HeldRequests;
  }
}

export type HolderKind = 'key' | 'session';

export class HeldRequests {
  readonly #byHolder = new Map<string, number>();
  #total = 0;

  constructor(readonly limits: LimitSettings) {}

  /** Requests held now: on this node, or by one holder (`key:<id>`, `session:<hash>`). */
  count(holder?: string): number {
    return holder === undefined ? this.#total : (this.#byHolder.get(holder) ?? 0);
  }

  /** Takes a slot for the holder, or throws when a cap is reached; the function returned frees it, once. */
  take(kind: HolderKind, id: string): () => void {
    const holder = `${kind}:${id}`;
    const held = this.#byHolder.get(holder) ?? 0;
    const cap = kind === 'key' ? this.limits.held_per_key : this.limits.held_per_session;
    if (held >= cap) throw tooMany(cap, kind === 'key' ? 'this API key has' : 'this session has', kind);
    if (this.#total >= this.limits.held_per_node) throw tooMany(this.limits.held_per_node, 'this server has', 'node');
    this.#byHolder.set(holder, held + 1);
    this.#total += 1;
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      this.#total -= 1;
      const left = (this.#byHolder.get(holder) ?? 1) - 1;
      if (left > 0) this.#byHolder.set(holder, left);
      else this.#byHolder.delete(holder);
    };
  }
}

function tooMany(cap: number, who: string, scope: HolderKind | 'node'): TollgateError {
  return new TollgateError(
    'request.too_many_open',
    `${who} ${cap} requests held open already (long-polls, event streams), the most allowed; retry in ${HELD_RETRY_AFTER_SECONDS} s`,
    { retry_after: HELD_RETRY_AFTER_SECONDS, limit: cap, scope },
  );
}

/** Whether a request asks to wait (`?wait=` above 0); an unreadable value is refused by validation later. */
export function waits(request: FastifyRequest): boolean {
  return Number((request.query as { wait?: unknown }).wait) > 0;
}

/**
 * An onRequest hook for after the route's guard: a request that will be held (all of them, or
 * those `held` picks) takes a slot of its key or session and of the node until its response ends.
 */
export function holdSlot(held: (request: FastifyRequest) => boolean = () => true) {
  return async function hold(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (!held(request)) return;
    const principal = request.principal;
    // Guards run first; a route that holds requests without one is a mistake, refused rather than uncounted.
    if (principal === undefined) throw new TollgateError('auth.required', 'sign in or send `Authorization: Bearer <token>`');
    const free =
      principal.kind === 'agent' || principal.kind === 'worker'
        ? request.server.held.take('key', principal.key_id)
        : request.server.held.take('session', sha256(tokenOf(request)?.token ?? ''));
    whenEnded(reply.raw, free);
  };
}
