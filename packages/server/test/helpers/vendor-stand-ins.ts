// Local stand-ins for the services notifications go to, speaking their wire formats: Slack's
// Web API (form-encoded methods under /api/, bearer token, `{ok, …}` answers), and a plain
// HTTP receiver for Teams workflow webhooks, PagerDuty's Events API and generic webhooks,
// which can be switched to failing to play a channel that is down.

import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export interface SlackCall {
  method: string;
  token: string | undefined;
  contentType: string | undefined;
  /** The form fields, with Slack's JSON-valued ones (blocks, view) decoded. */
  args: Record<string, any>;
}

export interface SlackStandIn {
  url: string;
  calls: SlackCall[];
  close(): Promise<void>;
}

export async function startSlackStandIn(token: string): Promise<SlackStandIn> {
  const calls: SlackCall[] = [];
  let ts = 1_700_000_000;
  const server = createServer(async (request, response) => {
    const body = await readBody(request);
    const method = (request.url ?? '').replace(/^\/api\//, '').split('?')[0]!;
    const args: Record<string, any> = {};
    for (const [key, value] of new URLSearchParams(body)) {
      args[key] = key === 'blocks' || key === 'view' ? JSON.parse(value) : value;
    }
    const auth = request.headers.authorization;
    calls.push({ method, token: auth?.replace(/^Bearer /, ''), contentType: request.headers['content-type'], args });
    const reply = (payload: Record<string, unknown>) => {
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(payload));
    };
    if (auth !== `Bearer ${token}`) return reply({ ok: false, error: 'invalid_auth' });
    switch (method) {
      case 'chat.postMessage':
        ts += 1;
        return reply({ ok: true, channel: 'C0TOLLGATE', ts: `${ts}.000100`, message: { text: args.text } });
      case 'chat.update':
        return reply({ ok: true, channel: args.channel, ts: args.ts, text: args.text });
      case 'chat.postEphemeral':
        return reply({ ok: true, message_ts: `${ts}.000200` });
      case 'views.open':
        return reply({ ok: true, view: { id: 'V0MODAL', ...args.view } });
      default:
        return reply({ ok: false, error: 'unknown_method' });
    }
  });
  const url = await listen(server);
  return { url: `${url}/api/`, calls, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export interface Receiver {
  url: string;
  received: Received[];
  /** The status it answers with (202 by default; 503 plays a channel that is down). */
  status: number;
  /** What it answers with, for a 2xx. */
  answer: (request: Received) => unknown;
  close(): Promise<void>;
}

export async function startReceiver(answer: (request: Received) => unknown = () => ({ ok: true })): Promise<Receiver> {
  const receiver: Receiver = { url: '', received: [], status: 202, answer, close: async () => undefined };
  const server = createServer(async (request, response) => {
    const entry: Received = {
      method: request.method ?? '',
      path: request.url ?? '',
      headers: request.headers,
      body: await readBody(request),
    };
    receiver.received.push(entry);
    if (receiver.status >= 300) {
      response.writeHead(receiver.status, { 'content-type': 'text/plain' });
      response.end('unavailable');
      return;
    }
    response.writeHead(receiver.status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(receiver.answer(entry)));
  });
  receiver.url = await listen(server);
  receiver.close = () => new Promise((resolve) => server.close(() => resolve()));
  return receiver;
}

/**
 * Posts an interactivity callback to a Tollgate server as Slack does: the payload form-encoded,
 * signed (`v0=` HMAC-SHA256 of `v0:<timestamp>:<body>`) with `secret`, at `timestamp` (seconds).
 */
export function postSlackCallback(serverUrl: string, payload: unknown, secret: string, timestamp: number): Promise<Response> {
  const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return fetch(`${serverUrl}/v1/integrations/slack/interactivity`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signature,
    },
    body,
  });
}
