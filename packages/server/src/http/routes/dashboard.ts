// Serves the approver dashboard (packages/dashboard, built to static files) at `/`: its files with
// their content types, and index.html for the app's page addresses so its own router shows them.

import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Beside this package in the workspace: the same four levels up from src/ and from dist/. */
const DIST = fileURLToPath(new URL('../../../../dashboard/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const PAGE_POLICY =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Tollgate</title>
<h1>The dashboard is not built</h1>
<p>Build it with <code>npm run build</code> in the repository (it writes <code>packages/dashboard/dist</code>) and reload this page.
The API under <code>/v1</code> works without it.</p>`;

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function sendFile(reply: FastifyReply, path: string): Promise<FastifyReply> {
  const type = TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
  // Built assets carry a content hash in their names and never change; pages must be revalidated.
  const immutable = path.startsWith(join(DIST, 'assets') + sep);
  reply.header('content-type', type).header('x-content-type-options', 'nosniff');
  reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (type.startsWith('text/html')) reply.header('content-security-policy', PAGE_POLICY).header('referrer-policy', 'same-origin');
  return reply.send(await readFile(path));
}

/**
 * Answers requests that match no API route: a file of the built dashboard, or for a browser
 * asking for a page (Accept: text/html) the app's index.html, whose own router shows the page.
 * Everything else, and anything under /v1, keeps the API's JSON 404.
 */
export function dashboardRoutes(app: FastifyInstance): void {
  // A hook rather than a catch-all route: a wildcard would also catch API paths the router must
  // refuse itself (unknown /v1 routes, overlong ids).
  app.addHook('onRequest', async (request, reply) => {
    if (!request.is404 || (request.method !== 'GET' && request.method !== 'HEAD')) return;
    const path = request.url.split('?')[0]!;
    if (path === '/v1' || path.startsWith('/v1/')) return;
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return;
    }
    const file = normalize(join(DIST, decoded));
    if (file.startsWith(DIST) && (await isFile(file))) return sendFile(reply, file);
    // Browsers ask for /favicon.ico whatever the page says; the icon is an SVG, which they all show.
    if (decoded === '/favicon.ico' && (await isFile(join(DIST, 'favicon.svg')))) return sendFile(reply, join(DIST, 'favicon.svg'));
    // The root is the dashboard for anyone who asks (`curl`, a link checker); other page addresses
    // only for a browser, so that a mistyped API path still gets the API's JSON 404.
    const wantsPage = extname(decoded) === '' && (decoded === '/' || (request.headers.accept ?? '').includes('text/html'));
    if (!wantsPage) return;
    const index = join(DIST, 'index.html');
    if (!(await isFile(index)))
      return reply.status(503).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT);
    return sendFile(reply, index);
  });
}
