// Starts the built `tollgate mcp-proxy` serving Streamable HTTP, for tests that talk to it as a remote MCP client.

import { spawn } from 'node:child_process';
import { BIN, REPO } from './server-process.js';

/** Starts `mcp-proxy --http 0` and answers the address it serves. */
export async function proxyOverHttp(args: string[], children: ReturnType<typeof spawn>[]): Promise<string> {
  const child = spawn(process.execPath, [BIN, 'mcp-proxy', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise<string>((resolve, reject) => {
    let output = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /at (http:\/\/\S+\/mcp)/.exec(output);
      if (match !== null) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the proxy exited with ${code}: ${output}`)));
  });
}
