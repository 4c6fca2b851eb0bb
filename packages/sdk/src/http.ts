// JSON over the global `fetch`, so the SDK runs on Node 20+ and edge runtimes without
// dependencies: bearer key, per-request time limit, and server errors turned into typed errors.

import { TollgateRequestError, TollgateUnavailable } from './errors.js';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface HttpOptions {
  baseUrl: string;
  apiKey: string;
  fetch?: FetchLike;
  /** Time limit of one request beyond the long-poll it asks for, in ms (default 30 000). */
  requestTimeoutMs?: number;
}

/** Statuses that say the server cannot serve now, rather than that the request is wrong. */
const UNAVAILABLE = new Set([502, 503, 504]);

export class Http {
  readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly fetch: FetchLike;
  private readonly timeoutMs: number;

  constructor(options: HttpOptions) {
    if (typeof options.baseUrl !== 'string' || !/^https?:\/\//.test(options.baseUrl))
      throw new TypeError('`baseUrl` must be an http:// or https:// address of a Tollgate server');
    if (typeof options.apiKey !== 'string' || options.apiKey === '')
      throw new TypeError(
        '`apiKey` must be an API key: an agent key (tollgate keys create --agent NAME), or a worker key for `worker` (--worker NAME --capability C)',
      );
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  /** Sends one request; `waitSeconds` is the long-poll the server may hold it for. */
  async request<T>(
    method: 'GET' | 'POST',
    path: string,
    options: { body?: unknown; waitSeconds?: number; signal?: AbortSignal | undefined; allowEmpty?: boolean } = {},
  ): Promise<T> {
    const limit = AbortSignal.timeout(this.timeoutMs + (options.waitSeconds ?? 0) * 1000);
    const signal = options.signal === undefined ? limit : AbortSignal.any([limit, options.signal]);
    let response: Response;
    try {
      response = await this.fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.apiKey}`,
          accept: 'application/json',
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        signal,
      });
    } catch (error) {
      // The caller's own cancellation is not the server's fault: let it through as it is.
      if (options.signal?.aborted === true) throw options.signal.reason;
      throw new TollgateUnavailable(this.baseUrl, error);
    }
    const text = await response.text().catch(() => '');
    let payload: unknown;
    try {
      payload = text === '' ? undefined : JSON.parse(text);
    } catch {
      payload = undefined;
    }
    if (response.ok && payload !== undefined) return payload as T;
    // 204: nothing to answer (no job came), when the caller expects that.
    if (response.status === 204 && options.allowEmpty === true) return undefined as T;
    const error = (payload as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
    if (UNAVAILABLE.has(response.status) || (response.status >= 500 && error === undefined) || (response.ok && payload === undefined)) {
      throw new TollgateUnavailable(this.baseUrl, new Error(`HTTP ${response.status} ${text.slice(0, 200)}`.trim()));
    }
    throw new TollgateRequestError(
      response.status,
      typeof error?.code === 'string' ? error.code : `http.${response.status}`,
      typeof error?.message === 'string' ? error.message : response.statusText || 'request failed',
      typeof error?.details === 'object' && error.details !== null ? (error.details as Record<string, unknown>) : undefined,
    );
  }
}
