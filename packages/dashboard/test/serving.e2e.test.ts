// How `tollgate serve` serves the built dashboard: files with their content types, the app's page
// for a browser asking for any other address, and the API's own 404 for everything else.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTollgate, type Tollgate } from './helpers/tollgate-process.js';
import { POLICY } from './policy.js';

let server: Tollgate;

beforeAll(async () => {
  server = await startTollgate(POLICY);
}, 30_000);
afterAll(() => server?.close());

const page = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

it('serves index.html to a browser at / and at the app’s own addresses, with a content security policy', async () => {
  for (const path of ['/', '/approvals/apr_123', '/agents/deploy-bot?x=1']) {
    const response = await fetch(`${server.url}${path}`, { headers: page });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await response.text()).toContain('<div id="app"></div>');
  }
});

it('serves the built script and stylesheet with their types, cached for good', async () => {
  const html = await (await fetch(server.url, { headers: page })).text();
  const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
  const style = /href="(\/assets\/[^"]+\.css)"/.exec(html)![1]!;
  const js = await fetch(`${server.url}${script}`);
  expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  expect(js.headers.get('cache-control')).toContain('immutable');
  const css = await fetch(`${server.url}${style}`);
  expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
});

it('answers unknown API paths, missing files and escapes from the folder with errors, not the app', async () => {
  for (const [path, headers] of [
    ['/v1/nothing-here', page],
    ['/v2/actions', {}],
  ] as const) {
    const api = await fetch(`${server.url}${path}`, { headers });
    expect(api.status).toBe(404);
    expect(await api.json()).toEqual({ error: { code: 'request.not_found', message: `no route \`GET ${path}\`` } });
  }
  expect((await fetch(`${server.url}/assets/missing.js`, { headers: page })).status).toBe(404);
  const escape = await fetch(`${server.url}/%2e%2e/%2e%2e/package.json`, { headers: page });
  expect(escape.status).toBe(404);
  expect(await escape.text()).not.toContain('"workspaces"');
  const bad = await fetch(`${server.url}/%E0%A4%A`);
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('request.invalid');
});
