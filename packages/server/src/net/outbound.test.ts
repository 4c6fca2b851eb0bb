// The outbound client against local listeners: the host list, the address check on every
// resolved address, the one lookup, no redirects, and the time and size bounds.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboundError, outboundRequest, urlShapeProblem, type OutboundRules, type Resolve } from './outbound.js';

let server: Server;
let port = 0;
const seen: { path: string; host: string | undefined; body: string }[] = [];
let handler: (request: IncomingMessage, response: ServerResponse) => void = (_request, response) => response.writeHead(204).end();

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      seen.push({ path: request.url ?? '', host: request.headers.host, body });
      handler(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const LOCAL: OutboundRules = {
  allowHosts: [['127.0.0.1', 'hooks.test']],
  allowHttp: true,
  allowAddresses: ['127.0.0.1/32'],
  timeoutMs: 2000,
  maxResponseBytes: 1000,
};

async function refusal(promise: Promise<unknown>): Promise<OutboundError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OutboundError);
  return error as OutboundError;
}

describe('outboundRequest', () => {
  it('calls an allowed host and returns its answer', async () => {
    handler = (_request, response) => response.writeHead(201, { 'content-type': 'text/plain' }).end('made');
    const answer = await outboundRequest(`http://127.0.0.1:${port}/in`, { body: 'hello' }, LOCAL);
    expect(answer.status).toBe(201);
    expect(answer.body.toString()).toBe('made');
    expect(seen.at(-1)).toMatchObject({ path: '/in', body: 'hello' });
  });

  it('resolves once and connects to the checked address, with the name as the Host', async () => {
    handler = (_request, response) => response.writeHead(204).end();
    let lookups = 0;
    const resolve: Resolve = async (host) => {
      lookups++;
      expect(host).toBe('hooks.test');
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const answer = await outboundRequest(`http://hooks.test:${port}/named`, {}, LOCAL, resolve);
    expect(answer.status).toBe(204);
    expect(lookups).toBe(1);
    expect(seen.at(-1)).toMatchObject({ path: '/named', host: `hooks.test:${port}` });
  });

  it('refuses a name that resolves to a special address, checking every address it has', async () => {
    const before = seen.length;
    const resolve: Resolve = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '169.254.169.254', family: 4 },
    ];
    const error = await refusal(outboundRequest(`http://hooks.test:${port}/`, {}, LOCAL, resolve));
    expect(error.code).toBe('outbound.refused');
    expect(error.reason).toContain('169.254.169.254 (link-local)');
    const mapped = await refusal(
      outboundRequest(`http://hooks.test:${port}/`, {}, LOCAL, async () => [{ address: '::ffff:10.0.0.1', family: 6 }]),
    );
    expect(mapped.reason).toContain('(private)');
    expect(seen.length).toBe(before);
  });

  it('refuses loopback unless the operator allows its range', async () => {
    const strict = { ...LOCAL, allowAddresses: [] };
    const error = await refusal(outboundRequest(`http://127.0.0.1:${port}/`, {}, strict));
    expect(error.code).toBe('outbound.refused');
    expect(error.reason).toContain('loopback');
    await refusal(outboundRequest(`http://[::ffff:127.0.0.1]:${port}/`, {}, { ...strict, allowHosts: [['[::ffff:7f00:1]']] }));
  });

  it('refuses hosts on no list, plain http unless allowed, and schemes other than http(s)', async () => {
    expect((await refusal(outboundRequest(`http://localhost:${port}/`, {}, LOCAL))).reason).toContain('not on the outbound allow-list');
    expect((await refusal(outboundRequest(`http://127.0.0.1:${port}/`, {}, { ...LOCAL, allowHttp: false }))).reason).toContain(
      'plain http',
    );
    for (const url of ['data:text/plain,hello', 'file:///etc/passwd', 'gopher://127.0.0.1/', 'not a url'])
      expect((await refusal(outboundRequest(url, {}, LOCAL))).code).toBe('outbound.refused');
  });

  it('allows a subdomain pattern', async () => {
    handler = (_request, response) => response.writeHead(204).end();
    const rules = { ...LOCAL, allowHosts: [['*.hooks.test']] };
    const resolve: Resolve = async () => [{ address: '127.0.0.1', family: 4 }];
    expect((await outboundRequest(`http://a.hooks.test:${port}/`, {}, rules, resolve)).status).toBe(204);
    await refusal(outboundRequest(`http://hooks.test.evil:${port}/`, {}, rules, resolve));
  });

  it("gives a host only a tenant's admin allowed none of the operator's allowances: no private address, no plain http", async () => {
    handler = (_request, response) => response.writeHead(204).end();
    // The operator opened loopback and http for its own hooks; the admin's host resolves inside.
    const rules: OutboundRules = { ...LOCAL, allowHosts: [['hooks.test']], adminHosts: ['x.attacker.test'] };
    const resolve: Resolve = async () => [{ address: '127.0.0.1', family: 4 }];
    const before = seen.length;
    const inside = await refusal(outboundRequest(`https://x.attacker.test:${port}/`, {}, rules, resolve));
    expect(inside.code).toBe('outbound.refused');
    expect(inside.reason).toMatch(/resolves to 127\.0\.0\.1/);
    expect((await refusal(outboundRequest(`http://x.attacker.test:${port}/`, {}, rules, resolve))).reason).toMatch(/plain http/);
    expect(seen.length).toBe(before);
    // The operator's own host keeps its allowances.
    expect((await outboundRequest(`http://hooks.test:${port}/`, {}, rules, resolve)).status).toBe(204);
  });

  it('does not follow a redirect', async () => {
    handler = (request, response) =>
      request.url === '/moved' ? response.writeHead(307, { location: '/internal-admin' }).end() : response.writeHead(204).end();
    const before = seen.length;
    const error = await refusal(outboundRequest(`http://127.0.0.1:${port}/moved`, {}, LOCAL));
    expect(error.code).toBe('outbound.failed');
    expect(error.reason).toContain('307');
    expect(seen.slice(before).map((request) => request.path)).toEqual(['/moved']);
  });

  it('bounds the time and the size of the answer', async () => {
    handler = (_request, response) => response.writeHead(200).end('x'.repeat(5000));
    expect((await refusal(outboundRequest(`http://127.0.0.1:${port}/big`, {}, LOCAL))).reason).toContain('larger than 1000 bytes');
    const hanging: Resolve = () => new Promise(() => undefined);
    const lookup = await refusal(outboundRequest(`http://hooks.test:${port}/`, {}, { ...LOCAL, timeoutMs: 100 }, hanging));
    expect(lookup.reason).toContain('ETIMEOUT');
    handler = () => undefined;
    const slow = await refusal(outboundRequest(`http://127.0.0.1:${port}/slow`, {}, { ...LOCAL, timeoutMs: 200 }));
    expect(slow.reason).toContain('no answer within 200 ms');
  });

  it('says the same to the caller for a closed port and a dropped connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    handler = (request) => request.socket.destroy();
    const refused = await refusal(outboundRequest(`http://127.0.0.1:${closedPort}/`, {}, LOCAL));
    const dropped = await refusal(outboundRequest(`http://127.0.0.1:${port}/`, {}, LOCAL));
    expect([refused.code, dropped.code]).toEqual(['outbound.failed', 'outbound.failed']);
    expect(refused.message).toBe(dropped.message);
    expect(refused.reason).toContain('ECONNREFUSED');
    expect(dropped.reason).not.toContain('ECONNREFUSED');
  });

  it('an operator-chosen destination skips the lists but not the bounds', async () => {
    handler = (_request, response) => response.writeHead(302, { location: '/elsewhere' }).end();
    const operator = { ...LOCAL, allowHosts: [], allowAddresses: [], operatorChosen: true };
    expect((await refusal(outboundRequest(`http://127.0.0.1:${port}/`, {}, operator))).code).toBe('outbound.failed');
  });
});

describe('urlShapeProblem', () => {
  it('takes only http(s) URLs', () => {
    expect(urlShapeProblem('https://hooks.example.com/undo')).toBeUndefined();
    expect(urlShapeProblem('http://127.0.0.1:1/')).toBeUndefined();
    expect(urlShapeProblem('data:text/plain,hello')).toContain('`data:`');
    expect(urlShapeProblem('file:///etc/passwd')).toContain('`file:`');
    expect(urlShapeProblem('/relative')).toBeDefined();
    expect(urlShapeProblem(42)).toBeDefined();
  });
});
