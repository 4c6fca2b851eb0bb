// Fuzzing every route with valid credentials: malformed, wrong-typed, huge, unicode and
// prototype-polluting bodies, query strings and ids. No answer may be a 5xx, every 4xx keeps the
// error format, the process keeps serving and Object.prototype stays clean. Seeded and bounded:
// set TOLLGATE_FUZZ_SEED to replay a failure (the seed is printed).

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { routesOf, securityPolicy, startHarness } from './harness.js';

const SEED = Number(process.env.TOLLGATE_FUZZ_SEED ?? 20260601);
const RUNS = Number(process.env.TOLLGATE_FUZZ_RUNS ?? 40);
console.log(`api fuzz: seed ${SEED}, ${RUNS} runs per route (TOLLGATE_FUZZ_SEED / TOLLGATE_FUZZ_RUNS to change)`);

/** A stream never answers in full; its query and auth are covered by the matrix. */
const SKIPPED = new Set(['GET /v1/events']);

const server = await startHarness(securityPolicy());
const admin = await server.person('admin', 'admin', { groups: ['approvers'] });
const alice = await server.person('alice', 'approver', { groups: ['approvers'] });
const auditor = await server.person('audrey', 'auditor');
const bot = await server.agent('deploy-bot');
const operator = await server.person('ops', 'operator');
const worker = await server.worker('analyzer-1', ['analyzer']);

// Real ids, so that some requests reach past "not found" into the handlers.
const submit = async (action: Record<string, unknown>) =>
  (await server.send('POST', '/v1/actions', { token: bot.token, body: action })).body as { id: string; approval?: { id: string } };
const pending = await submit({ action_type: 'deploy', environment: 'production', summary: 'deploy v2' });
const allowed = await submit({ action_type: 'deploy', environment: 'staging' });
await submit({ action_type: 'migrate', summary: 'add a column' });
const job = (await server.send('GET', '/v1/jobs/next?capability=analyzer', { token: worker.token })).body as { id: string };
const IDS = [pending.id, pending.approval!.id, allowed.id, job.id, 'deploy-bot', 'admin', 'alice'];

const doc = server.app.swagger() as {
  paths: Record<
    string,
    Record<string, { requestBody?: { content?: Record<string, { schema?: Schema }> }; parameters?: { in: string; name: string }[] }>
  >;
};
interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  enum?: unknown[];
  items?: Schema;
}

/** The openapi operation for a Fastify route (`:id` → `{id}`). */
function operation(route: string) {
  const [method, path] = route.split(' ') as [string, string];
  return doc.paths[path.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()];
}

// ---- arbitraries ----------------------------------------------------------------------------

/** Percent-encoding that also takes lone surrogates, as the bytes of invalid UTF-8 a client could send. */
function encode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return Array.from(text, (ch) => (/^[\ud800-\udfff]$/.test(ch) ? '%ED%A0%80' : encodeURIComponent(ch))).join('');
  }
}

const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\ud800',
  '\udfff\ud800',
  '😀'.repeat(50),
  'e\u0301\u200b\u202e\ufeff',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  '../../etc/passwd',
  '%00',
  '%2e%2e%2f',
  '${jndi:ldap://x}',
  "'; drop table actions; --",
  '<script>alert(1)</script>',
  'NaN',
  '-1',
  '1e309',
  '0x10',
  'true',
  'null',
  '[]',
  '{}',
];
const nastyString = fc.oneof(
  fc.constantFrom(...NASTY_STRINGS),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.nat(200_000).map((n) => 'x'.repeat(n)),
);
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  nastyString,
  fc.constantFrom(-1, 0, 1.5, 2 ** 53, -(2 ** 63), 1e308, true, false, null, [], {}),
);

/** A value of roughly the schema's type, often right, often not. */
function valueFor(schema: Schema | undefined): fc.Arbitrary<unknown> {
  const typed: fc.Arbitrary<unknown>[] = [];
  if (schema?.enum !== undefined && schema.enum.length > 0) typed.push(fc.constantFrom(...schema.enum));
  const type = Array.isArray(schema?.type) ? schema.type[0] : schema?.type;
  if (type === 'string') typed.push(fc.string({ maxLength: 30 }), fc.constantFrom(...IDS));
  if (type === 'integer' || type === 'number') typed.push(fc.integer({ min: -5, max: 2000 }));
  if (type === 'boolean') typed.push(fc.boolean());
  if (type === 'array') typed.push(fc.array(valueFor(schema?.items), { maxLength: 3 }));
  if (type === 'object' && schema?.properties !== undefined) typed.push(objectFor(schema));
  return typed.length === 0 ? anyValue : fc.oneof({ arbitrary: fc.oneof(...typed), weight: 2 }, { arbitrary: anyValue, weight: 1 });
}

function objectFor(schema: Schema): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(schema.properties ?? {});
  return fc
    .tuple(
      fc
        .subarray(keys)
        .chain((picked) => fc.tuple(...picked.map((key) => valueFor(schema.properties![key]).map((value) => [key, value] as const)))),
      fc.dictionary(fc.oneof(nastyString, fc.constantFrom('extra', 'id', 'tenant_id')), anyValue, { maxKeys: 2 }),
      fc.boolean(),
    )
    .map(([entries, extra, withExtra]) => ({ ...Object.fromEntries(entries), ...(withExtra ? extra : {}) }));
}

/** Bodies as text: JSON of the route's shape, any JSON, and text no parser should trust. */
function bodyFor(route: string): fc.Arbitrary<string> {
  const schema = operation(route)?.requestBody?.content?.['application/json']?.schema;
  const nested = (open: string, close: string) =>
    fc.integer({ min: 50, max: 20_000 }).map((n) => `{"action_type":"deploy","a":${open.repeat(n)}1${close.repeat(n)}}`);
  return fc.oneof(
    {
      arbitrary: (schema?.properties === undefined ? fc.jsonValue({ maxDepth: 3 }) : objectFor(schema)).map((v) => JSON.stringify(v)),
      weight: 5,
    },
    { arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)), weight: 2 },
    {
      arbitrary: fc.constantFrom(
        '{"__proto__": {"polluted": true}}',
        '{"constructor": {"prototype": {"polluted": true}}}',
        '{"action_type": "x", "__proto__": {"polluted": true}}',
        '{"a": {"__proto__": {"polluted": true}}}',
        '{"verdict": "approve", "a": 1, "a": 2}',
        '{"x": "\\ud800"}',
        '{"x": 1e999}',
        '"\\u0000"',
        '',
        '{',
        'null',
        '[' + '1,'.repeat(10_000) + '1]',
      ),
      weight: 2,
    },
    { arbitrary: nested('[', ']'), weight: 1 },
    { arbitrary: nested('{"a":', '}'), weight: 1 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 100 }), weight: 1 },
  );
}

/** Query strings: the route's own keys and strangers, repeated keys, values of every kind. */
function queryFor(route: string): fc.Arbitrary<string> {
  const own = (operation(route)?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
  const key = fc.oneof(
    ...(own.length > 0 ? [{ arbitrary: fc.constantFrom(...own), weight: 4 }] : []),
    {
      arbitrary: fc.constantFrom('__proto__', 'constructor', '__proto__[polluted]', 'constructor[prototype][polluted]', 'a[b]'),
      weight: 1,
    },
    { arbitrary: nastyString, weight: 1 },
  );
  const value = fc.oneof(fc.constantFrom(...IDS, '0', '1', '1000', '-1', 'pending', 'jsonl'), nastyString);
  return fc.array(fc.tuple(key, value, fc.boolean()), { maxLength: 4 }).map((pairs) =>
    pairs
      .map(([k, v, raw]) => {
        // Waiting is bounded by the server but would still stall the run: any real wait becomes 0.
        const waited = k === 'wait' && Number.isFinite(Number(v)) && Number(v) > 0 ? '0' : v;
        return raw ? `${k}=${waited}` : `${encode(k)}=${encode(waited)}`;
      })
      .join('&'),
  );
}

const param = fc.oneof(
  { arbitrary: fc.constantFrom(...IDS), weight: 3 },
  { arbitrary: nastyString.map((s) => encode(s.slice(0, 300))), weight: 3 },
  { arbitrary: fc.constantFrom('%2F', '..', '%', '%zz', '%c0%ae', 'x'.repeat(5000)), weight: 1 },
);

const AGENT_ROUTES =
  /^(POST \/v1\/actions$|GET \/v1\/actions\/:id$|POST \/v1\/actions\/:id\/(outcome|elicited-vote)|POST \/v1\/grants|POST \/v1\/questions$)/;
const WORKER_ROUTES = /^\S+ \/v1\/jobs/;
const OPERATOR_ROUTES = /^\S+ \/v1\/(tenants|settings\/server)/;
/** The credentials a route's guard lets through, or undefined for a tenant's person's route. */
const keyFor = (route: string): string | undefined =>
  WORKER_ROUTES.test(route)
    ? worker.token
    : AGENT_ROUTES.test(route)
      ? bot.token
      : OPERATOR_ROUTES.test(route)
        ? operator.token
        : undefined;
/** Mostly the credentials that get past the route's guard, so that requests reach its handler. */
function credentialsFor(route: string): fc.Arbitrary<Record<string, string>> {
  const right = keyFor(route) ?? admin.token;
  return fc.oneof(
    { arbitrary: fc.constant<Record<string, string>>({ authorization: `Bearer ${right}` }), weight: 6 },
    {
      arbitrary: fc.constantFrom<Record<string, string>>(
        { authorization: `Bearer ${bot.token}` },
        { authorization: `Bearer ${worker.token}` },
        { authorization: `Bearer ${alice.token}` },
        { authorization: `Bearer ${auditor.token}` },
        { cookie: `tollgate_session=${admin.token}`, 'x-tollgate-csrf': '1' },
      ),
      weight: 2,
    },
  );
}
const contentType = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 8 },
  {
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-16',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data',
      '',
    ),
    weight: 1,
  },
);

// ---- the run --------------------------------------------------------------------------------

const routes = routesOf(server.app)
  .filter((route) => !SKIPPED.has(route))
  // Signing out ends the session the other routes use: last.
  .sort((a, b) => Number(a === 'POST /v1/auth/logout') - Number(b === 'POST /v1/auth/logout'));

afterAll(async () => {
  await server.close();
});

describe('fuzzing every route', () => {
  it('covers the routes the server serves', () => {
    expect(routes.length).toBeGreaterThan(40);
  });

  it.each(routes.map((route, index) => [route, index] as const))(
    '%s never answers 5xx nor breaks the error format',
    async (route, index) => {
      const [method, path] = route.split(' ') as ['GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', string];
      const names = [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
      const hasBody = method !== 'GET';
      await fc.assert(
        fc.asyncProperty(
          fc.array(param, { minLength: names.length, maxLength: names.length }),
          queryFor(route),
          hasBody ? fc.option(bodyFor(route), { freq: 8 }) : fc.constant(null),
          credentialsFor(route),
          contentType,
          async (params, query, body, headers, type) => {
            let url = path;
            names.forEach((name, i) => (url = url.replace(`:${name}`, params[i]!)));
            if (query !== '') url += `?${query}`;
            const answer = await server.app.inject({
              method,
              url,
              headers: { ...headers, ...(body === null ? {} : { 'content-type': type }) },
              ...(body === null ? {} : { payload: body }),
            });
            const where = `${method} ${url.slice(0, 200)} ${body?.slice(0, 200) ?? ''} → ${answer.statusCode} ${answer.body.slice(0, 300)}`;
            expect(answer.statusCode, where).toBeLessThan(500);
            if (answer.statusCode >= 400) {
              if ((answer.headers['content-type'] ?? '').toString().startsWith('text/html')) {
                // Only the one-click link pages answer in HTML, for people in a browser.
                expect(url, where).toMatch(/^\/v1\/integrations\/links\//);
              } else {
                const parsed = JSON.parse(answer.body) as { error: { code: string; message: string } };
                expect(parsed.error.code, where).toMatch(/^[a-z_]+\.[a-z_]+$/);
                expect(parsed.error.message.length, where).toBeGreaterThan(0);
              }
            }
            expect(({} as Record<string, unknown>).polluted, where).toBeUndefined();
          },
        ),
        { seed: SEED + index, numRuns: RUNS },
      );
    },
  );

  it('refuses deeply nested bodies on every route that takes one with a 400, not a crash', async () => {
    // A session of its own: the fuzzed calls above may have signed the admin's out.
    const signedIn = await server.person('nested-admin', 'admin');
    for (const route of routes.filter((r) => !r.startsWith('GET ') && !r.includes('/integrations/'))) {
      const [method, path] = route.split(' ') as ['POST' | 'PUT' | 'PATCH' | 'DELETE', string];
      for (const depth of [500, 5_000, 50_000]) {
        const answer = await server.app.inject({
          method,
          url: path.replace(/:\w+/g, pending.id),
          headers: { authorization: `Bearer ${keyFor(route) ?? signedIn.token}`, 'content-type': 'application/json' },
          payload: `{"action_type":"deploy","a":${'['.repeat(depth)}${']'.repeat(depth)}}`,
        });
        expect(answer.statusCode, `${route} at depth ${depth}: ${answer.body}`).toBe(400);
        expect(JSON.parse(answer.body).error).toMatchObject({ code: 'request.invalid', details: { field: 'body' } });
      }
    }
  });

  it('still serves afterwards, with Object.prototype untouched', async () => {
    expect((await server.send('GET', '/healthz')).status).toBe(200);
    expect((await server.send('GET', '/readyz')).status).toBe(200);
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect((await server.send('GET', `/v1/actions/${allowed.id}`, { token: bot.token })).body).toMatchObject({ id: allowed.id });
  });
});
