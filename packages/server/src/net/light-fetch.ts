// A `fetch` for the short-lived agent doors (the Claude Code hook runs once per tool call): plain
// node:http, which loads in a fraction of the time the global fetch (undici) takes to load, and a
// response with what the SDK reads of one (`ok`, `status`, `statusText`, `text()`).

import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { FetchLike } from '@tollgate/sdk';

function headersOf(init: RequestInit | undefined): Record<string, string> {
  const headers = init?.headers;
  if (headers === undefined) return {};
  if (Array.isArray(headers)) return Object.fromEntries(headers);
  if (typeof (headers as Headers).forEach === 'function') {
    const plain: Record<string, string> = {};
    (headers as Headers).forEach((value, name) => (plain[name] = value));
    return plain;
  }
  return { ...(headers as Record<string, string>) };
}

function responseOf(message: IncomingMessage, body: string): Response {
  const status = message.statusCode ?? 0;
  const response = {
    ok: status >= 200 && status < 300,
    status,
    statusText: message.statusMessage ?? '',
    text: () => Promise.resolve(body),
    json: () => Promise.resolve(JSON.parse(body) as unknown),
  };
  return response as unknown as Response;
}

export const lightFetch: FetchLike = async (input, init) => {
  const url = new URL(input);
  // https is loaded only for an https server, as the global fetch would load TLS.
  const request = url.protocol === 'https:' ? (await import('node:https')).request : httpRequest;
  const body = typeof init?.body === 'string' ? init.body : undefined;
  const headers = headersOf(init);
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise<Response>((resolve, reject) => {
    // One connection per request: a pooled idle socket would keep the process alive after its answer.
    const sent = request(url, { method: init?.method ?? 'GET', headers, agent: false, signal: init?.signal ?? undefined }, (message) => {
      const chunks: Buffer[] = [];
      message.on('data', (chunk: Buffer) => chunks.push(chunk));
      message.on('end', () => resolve(responseOf(message, Buffer.concat(chunks).toString('utf8'))));
      message.on('error', reject);
    });
    sent.on('error', reject);
    sent.end(body);
  });
};
