// Serves the proxy over Streamable HTTP at `/mcp`, statelessly: each request gets its own MCP
// server and transport over the one downstream connection, so any number of clients can share it.

import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

const MAX_BODY = 4 * 1024 * 1024;

export interface HttpListener {
  url: string;
  close(): Promise<void>;
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

export async function listenHttp(makeServer: () => Server, host: string, port: number): Promise<HttpListener> {
  const http: HttpServer = createServer((req, res) => {
    void (async () => {
      if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/mcp')
        return jsonRpcError(res, 404, 'not found: the MCP endpoint is /mcp');
      if (req.method !== 'POST') return jsonRpcError(res, 405, 'method not allowed: this stateless endpoint takes POST');
      let body: unknown;
      try {
        body = await readBody(req);
      } catch (error) {
        return jsonRpcError(res, 400, `the request body is not valid JSON: ${(error as Error).message}`);
      }
      const server = makeServer();
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
    })().catch((error: unknown) => {
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
    close: () => new Promise((resolve) => http.close(() => resolve())),
  };
}
