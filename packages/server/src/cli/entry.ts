// Where the `tollgate` command starts. The agent doors start without the argument parser and the
// other commands: the Claude Code hook runs before every tool call, so its start is the cost of
// passing it, and the MCP proxy starts with its client. Anything they do not read as plain options
// (help, a bad value) goes to main.ts, which answers as for every command.

import { endOnClosedPipes, EXIT, processIo } from './io.js';
import { leanOptions } from './lean-args.js';

export async function run(argv: string[]): Promise<number> {
  endOnClosedPipes();
  const args = argv.slice(2);
  if (args[0] === 'hook' && args[1] === 'claude-code') {
    const { HOOK_OPTIONS, runHookCommand } = await import('./commands/hook.js');
    const options = leanOptions(args.slice(2), HOOK_OPTIONS);
    if (options !== undefined) {
      const code = await runHookCommand(options, processIo);
      // Claude Code reads the answer when the process ends: nothing left open may hold it up.
      setTimeout(() => process.exit(code), 200).unref();
      return code;
    }
  }
  const split = args.indexOf('--');
  if (args[0] === 'mcp-proxy' && split > 0) {
    const { MCP_PROXY_OPTIONS, runMcpProxyCommand } = await import('./commands/mcp-proxy.js');
    const options = leanOptions(args.slice(1, split), MCP_PROXY_OPTIONS);
    if (options !== undefined) {
      try {
        await runMcpProxyCommand(args.slice(split + 1), options, processIo);
        return EXIT.ok;
      } catch (error) {
        return (await import('./report-error.js')).reportError(error, processIo);
      }
    }
  }
  const { main } = await import('./main.js');
  return main(argv);
}
