// Serves the proxy over Streamable HTTP at `/mcp`, one MCP session per client (`Mcp-Session-Id`),
// each with a downstream server of its own: a client's roots, sampling and elicitation belong to
// its session, so they cannot be shared with other clients through one downstream.

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

const MAX_BODY = 4 * 1024 * 1024;
/** A session nobody has sent a request to (nor held a stream of) for this long is closed. */
const IDLE_MS = 30 * 60 * 1000;
/** Messages kept for a session's own stream until the client opens it. */
const MAX_HELD = 1000;

export interface HttpListener {
  url: string;
  /** Stops listening and closes every session. */
  close(): Promise<void>;
}

/** What the listener needs of a session: its transport started relaying, and a way to end it. */
export interface HttpSession {
  close(): Promise<void>;
}

/**
 * The client's side of one session. What the downstream says outside any request (asking for the
 * client's roots right after initialisation, say) goes on the session's own stream (GET), which the
 * client opens only after initialising: until then it is held rather than lost.
 */
export class SessionTransport extends StreamableHTTPServerTransport {
  private streamOpen = false;
  private readonly waiting: JSONRPCMessage[] = [];

  constructor(onInitialized: (id: string) => void) {
    super({ sessionIdGenerator: randomUUID, onsessioninitialized: onInitialized });
  }

  override async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const unrelated = options?.relatedRequestId === undefined && !('result' in message) && !('error' in message);
    if (unrelated && !this.streamOpen) {
      if (this.waiting.length < MAX_HELD) this.waiting.push(message);
      return;
    }
    return super.send(message, options);
  }

  streamOpened(): void {
    this.streamOpen = true;
    for (const message of this.waiting.splice(0)) void super.send(message).catch(() => undefined);
  }

  streamClosed(): void {
    this.streamOpen = false;
  }
}

interface Entry {
  transport: SessionTransport;
  session?: HttpSession;
  active: number;
  idle?: NodeJS.Timeout;
}

function jsonRpcError(res: ServerResponse, status: number, message: string): void {
  res
    .writeHead(status, { 'content-type': 'application/json' })
    .end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new RangeError(`the request body is larger than ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

const isInitialize = (body: unknown): boolean =>
  (Array.isArray(body) ? body : [body]).some(
    (message) => typeof message === 'object' && message !== null && (message as { method?: unknown }).method === 'initialize',
  );

/**
 * Listens at http://HOST:PORT/mcp. `openSession` starts a session's downstream server and relays
 * between it and `transport`, calling `ended` once the session is over; it may throw (the
 * downstream cannot start), which the client hears.
 */
export async function listenHttp(
  openSession: (transport: SessionTransport, ended: () => void) => Promise<HttpSession>,
  host: string,
  port: number,
): Promise<HttpListener> {
  const sessions = new Map<string, Entry>();

  const forget = (id: string): void => {
    const entry = sessions.get(id);
    if (entry === undefined) return;
    clearTimeout(entry.idle);
    sessions.delete(id);
  };
  // Counts the requests (and streams) a session has open; when none is left, its idle time starts.
  const hold = (entry: Entry, res: ServerResponse): void => {
    entry.active++;
    clearTimeout(entry.idle);
    res.on('close', () => {
      if (--entry.active > 0) return;
      entry.idle = setTimeout(() => void entry.session?.close(), IDLE_MS);
      entry.idle.unref();
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/mcp')
      return jsonRpcError(res, 404, 'not found: the MCP endpoint is /mcp');
    const header = req.headers['mcp-session-id'];
    const sessionId = Array.isArray(header) ? header[0] : header;
    let body: unknown;
    if (req.method === 'POST') {
      try {
        body = await readBody(req);
      } catch (error) {
        return jsonRpcError(res, 400, `the request body is not valid JSON: ${(error as Error).message}`);
      }
    }
    if (sessionId !== undefined) {
      const entry = sessions.get(sessionId);
      // The MCP way to say a session is over: the client starts a new one.
      if (entry === undefined) return jsonRpcError(res, 404, `no session \`${sessionId}\` (it ended): initialize a new one`);
      hold(entry, res);
      if (req.method === 'GET') watchStream(entry.transport, res);
      return entry.transport.handleRequest(req, res, body);
    }
    if (req.method !== 'POST' || !isInitialize(body))
      return jsonRpcError(res, 400, 'no Mcp-Session-Id header: start a session with an `initialize` request');
    let id: string | undefined;
    const entry: Entry = {
      transport: new SessionTransport((initialized) => {
        id = initialized;
        sessions.set(id, entry);
      }),
      active: 0,
    };
    try {
      entry.session = await openSession(entry.transport, () => {
        if (id !== undefined) forget(id);
      });
    } catch (error) {
      return jsonRpcError(res, 502, (error as Error).message);
    }
    hold(entry, res);
    await entry.transport.handleRequest(req, res, body);
    // The transport refused the initialisation (a protocol version it does not speak, say).
    if (id === undefined) await entry.session.close();
  };

  const http: HttpServer = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) jsonRpcError(res, 500, `internal error: ${(error as Error).message}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => resolve());
  });
  const address = http.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}/mcp`,
    async close() {
      const closing = new Promise<void>((resolve) => http.close(() => resolve()));
      await Promise.allSettled([...sessions.values()].map((entry) => entry.session?.close()));
      http.closeAllConnections();
      await closing;
    },
  };
}

/** Tells the transport when the session's own stream is open: once its response has begun. */
function watchStream(transport: SessionTransport, res: ServerResponse): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = ((...args: unknown[]) => {
    const written = writeHead(...args);
    if (args[0] === 200) transport.streamOpened();
    return written;
  }) as ServerResponse['writeHead'];
  res.on('close', () => transport.streamClosed());
}
