// A server that starts closing refuses requests that arrive from then on with its own 503 and
// Retry-After, and ends the connections of the requests it still answers.
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../../test/helpers/in-process.js';

const BODY = JSON.stringify({ action_type: 'deploy', environment: 'staging' });

/** A raw connection, so that a request can be sent in parts; `text()` is everything answered so far. */
function connect(port: number): Promise<{ socket: net.Socket; text: () => string }> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = net.connect(port, '127.0.0.1', () => resolve({ socket, text: () => text }));
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('error', reject);
  });
}

/** Resolves once the server accepts no new connections (it has begun closing). */
async function refusingConnections(port: number): Promise<void> {
  for (;;) {
    const refused = await new Promise<boolean>((resolve) => {
      const probe = net.connect(port, '127.0.0.1', () => {
        probe.destroy();
        resolve(false);
      });
      probe.on('error', () => resolve(true));
    });
    if (refused) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('closing', () => {
  it('answers a request arriving while closing with 503, and the one in flight with connection: close', async () => {
    const server = await startTestServer(join(mkdtempSync(join(tmpdir(), 'tollgate-closing-')), 'tollgate.db'), {
      'policy.yaml': 'defaults: { decision: ALLOW }\n',
    });
    const bot = await server.agent('deploy-bot');
    const port = Number(new URL(server.url).port);
    const head = `POST /v1/actions HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer ${bot.token}\r\ncontent-type: application/json\r\ncontent-length: ${BODY.length}\r\n`;
    // In flight: its headers and part of its body are in, which keeps the server open.
    const held = await connect(port);
    held.socket.write(`${head}\r\n${BODY.slice(0, 5)}`);
    // Arriving: its headers are not complete until the server is closing.
    const late = await connect(port);
    late.socket.write(head);
    await new Promise((resolve) => setTimeout(resolve, 50));

    const closing = server.close();
    await refusingConnections(port);
    late.socket.write(`\r\n${BODY}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    held.socket.write(BODY.slice(5));
    await closing;

    const [lateHead, lateBody] = late.text().split('\r\n\r\n');
    expect(lateHead).toMatch(/^HTTP\/1\.1 503 /);
    expect(lateHead).toMatch(/\r\nretry-after: 1\r\n/i);
    expect(JSON.parse(lateBody!)).toMatchObject({ error: { code: 'server.unavailable' } });
    expect(held.text()).toMatch(/^HTTP\/1\.1 201 /);
    expect(held.text()).toMatch(/\r\nconnection: close\r\n/i);
  });
});
