// Doors suite: what passing each door costs an agent. A Claude Code hook run and the CLI's start
// beside a bare `node -e 0`; an MCP tool call made directly, through `tollgate mcp-proxy --policy`
// and through `--server`; an SDK round trip beside the same request without the SDK. Every
// baseline is measured in the same run, interleaved with what it is compared to.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { Tollgate } from '@tollgate/sdk';
import { measureAsync, percentile } from '../lib/stats.js';
import type { Suite, SuiteOptions } from '../lib/suite.js';
import { formatMs, formatRatio, formatTable } from '../lib/table.js';
import { createAgentKey, createDatabase, REPO, startTollgate } from './http/servers.js';

const BIN = join(REPO, 'packages/server/bin/tollgate.js');
const ECHO = fileURLToPath(new URL('./doors/echo-server.ts', import.meta.url));
/** A hook run may take twice a bare Node start; the other commands start well under half a second. */
const TARGET_HOOK_RATIO = 2;
const TARGET_START_MS = 250;
/** The proxy in server mode: within this of a direct call at p50. */
const TARGET_PROXY_MS = 2;

interface Start {
  name: string;
  args: string[];
  input?: string;
}

interface StartResult {
  name: string;
  /** The fastest run: what the command costs when the machine lets it run undisturbed. */
  min_ms: number;
  p50_ms: number;
  p90_ms: number;
  runs: number;
}

interface CallResult {
  name: string;
  p50_ms: number;
  p99_ms: number;
  calls: number;
}

/** Runs each command `runs` times, one of each in turn, so that a busy moment of the machine touches all of them alike. */
function startTimes(starts: Start[], runs: number, env: NodeJS.ProcessEnv): StartResult[] {
  const times = starts.map(() => [] as number[]);
  for (let round = 0; round < runs; round++) {
    starts.forEach((start, index) => {
      const began = process.hrtime.bigint();
      const done = spawnSync(process.execPath, start.args, { input: start.input ?? '', env, cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
      times[index]!.push(Number(process.hrtime.bigint() - began) / 1e6);
      if (done.status !== 0) throw new Error(`${start.name} exited with ${done.status}: ${String(done.stderr)}`);
    });
  }
  return starts.map((start, index) => {
    const sorted = Float64Array.from(times[index]!).sort();
    return { name: start.name, min_ms: sorted[0]!, p50_ms: percentile(sorted, 50), p90_ms: percentile(sorted, 90), runs };
  });
}

/** The answer a hook run printed, to check the measured runs were allowed as intended. */
function hookDecision(start: Start, env: NodeJS.ProcessEnv): string {
  const done = spawnSync(process.execPath, start.args, { input: start.input ?? '', env, cwd: REPO });
  return (JSON.parse(String(done.stdout)) as { hookSpecificOutput: { permissionDecision: string } }).hookSpecificOutput.permissionDecision;
}

/** p50 and p99 of one `echo` call at a time through an MCP client to `command`. */
async function callTimes(name: string, command: string[], timing: { warmupMs: number; durationMs: number }): Promise<CallResult> {
  const client = new Client({ name: 'tollgate-bench', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: command[0]!,
      args: command.slice(1),
      cwd: REPO,
      stderr: 'ignore',
      env: { PATH: process.env.PATH ?? '' },
    }),
  );
  try {
    const result = await client.callTool({ name: 'echo', arguments: { text: 'ping' } });
    if (result.isError === true) throw new Error(`${name}: the echo call failed: ${JSON.stringify(result.content)}`);
    const measured = await measureAsync(async () => {
      const answer = await client.callTool({ name: 'echo', arguments: { text: 'ping' } });
      return answer.isError === true ? 0 : 1;
    }, timing);
    return { name, p50_ms: measured.p50Ns / 1e6, p99_ms: measured.p99Ns / 1e6, calls: measured.decisions };
  } finally {
    await client.close();
  }
}

async function sdkTimes(url: string, key: string, timing: { warmupMs: number; durationMs: number }): Promise<CallResult[]> {
  const action = { action_type: 'Read', capability: 'claude-code', path: '/srv/app/README.md' };
  const tollgate = new Tollgate({ baseUrl: url, apiKey: key });
  const direct = async (): Promise<number> => {
    const response = await fetch(`${url}/v1/actions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(action),
    });
    return ((await response.json()) as { decision?: string }).decision === 'ALLOW' ? 1 : 0;
  };
  const results: CallResult[] = [];
  for (const [name, step] of [
    ['POST /v1/actions with fetch', direct],
    ['SDK check()', async () => ((await tollgate.check(action)).decision === 'ALLOW' ? 1 : 0)],
  ] as const) {
    const measured = await measureAsync(step, timing);
    results.push({ name, p50_ms: measured.p50Ns / 1e6, p99_ms: measured.p99Ns / 1e6, calls: measured.decisions });
  }
  return results;
}

/** A table of calls, each beside the first (its baseline). */
function printCalls(title: string, [what, over]: [string, string], calls: CallResult[]): void {
  const baseline = calls[0]!;
  console.log(`\n${title}\n`);
  console.log(
    formatTable(
      [what, 'p50', 'p99', over, 'calls'],
      calls.map((call) => [
        call.name,
        formatMs(call.p50_ms),
        formatMs(call.p99_ms),
        formatMs(call.p50_ms - baseline.p50_ms),
        String(call.calls),
      ]),
    ),
  );
}

function report(starts: StartResult[], calls: CallResult[], sdk: CallResult[]): { target: string; measured: string; met: boolean }[] {
  const node = starts[0]!;
  console.log('\nProcess start to exit (the hook reads a PreToolUse event for Read and answers allow)\n');
  console.log(
    formatTable(
      ['command', 'min', 'p50', 'p90', 'p50 ÷ node -e 0', 'runs'],
      starts.map((start) => [
        start.name,
        formatMs(start.min_ms),
        formatMs(start.p50_ms),
        formatMs(start.p90_ms),
        formatRatio(start.p50_ms / node.p50_ms),
        String(start.runs),
      ]),
    ),
  );
  const direct = calls[0]!;
  printCalls('One MCP tools/call at a time (an `echo` tool that answers at once)', ['path', 'p50 over direct'], calls);
  printCalls('One action submitted at a time (ALLOW)', ['client', 'p50 over fetch'], sdk);
  const hook = starts.find((start) => start.name.includes('--server'))!;
  const proxied = calls.find((call) => call.name.includes('--server'))!;
  const targets = [
    {
      target: `hook run (--server) ≤ ${TARGET_HOOK_RATIO}x node -e 0`,
      measured: formatRatio(hook.p50_ms / node.p50_ms),
      met: hook.p50_ms <= TARGET_HOOK_RATIO * node.p50_ms,
    },
    ...starts
      .filter((start) => start.name === 'tollgate --version' || start.name === 'tollgate help')
      .map((start) => ({
        target: `${start.name} < ${TARGET_START_MS} ms`,
        measured: formatMs(start.p50_ms),
        met: start.p50_ms < TARGET_START_MS,
      })),
    {
      target: `mcp-proxy --server within ${TARGET_PROXY_MS} ms of direct at p50`,
      measured: formatMs(proxied.p50_ms - direct.p50_ms),
      met: proxied.p50_ms - direct.p50_ms <= TARGET_PROXY_MS,
    },
  ];
  console.log('\nTargets\n');
  console.log(
    formatTable(
      ['target', 'measured', ''],
      targets.map((t) => [t.target, t.measured, t.met ? 'PASS' : 'MISS']),
      ['left', 'right', 'left'],
    ),
  );
  return targets;
}

const suite: Suite = {
  description: 'cost of passing each door: hook run and CLI start beside node -e 0, MCP proxy per call, SDK round trip',
  async run(options: SuiteOptions) {
    const runs = options.quick ? 7 : 25;
    const timing = options.quick ? { warmupMs: 300, durationMs: 1_500 } : { warmupMs: 1_000, durationMs: 5_000 };
    const database = await createDatabase('sqlite');
    const server = await startTollgate(database.url);
    try {
      const key = await createAgentKey(database.url, 'bench-agent');
      const scratch = mkdtempSync(join(tmpdir(), 'tollgate-bench-doors-'));
      const policy = join(scratch, 'policy.yaml');
      writeFileSync(policy, 'defaults:\n  decision: ALLOW\n');
      // A home of its own: the hook reads no settings of the machine's user.
      const env = { PATH: process.env.PATH ?? '', HOME: scratch };
      const event = JSON.stringify({
        session_id: 'bench',
        transcript_path: join(scratch, 'transcript.jsonl'),
        cwd: '/srv/app',
        permission_mode: 'default',
        hook_event_name: 'PreToolUse',
        tool_name: 'Read',
        tool_input: { file_path: '/srv/app/README.md' },
        tool_use_id: 'toolu_bench',
      });
      const hook = ['hook', 'claude-code', '--state-dir', join(scratch, 'state')];
      const starts: Start[] = [
        { name: 'node -e 0', args: ['-e', '0'] },
        { name: 'tollgate --version', args: [BIN, '--version'] },
        { name: 'tollgate help', args: [BIN, 'help'] },
        { name: 'hook claude-code --server', args: [BIN, ...hook, '--server', server.url, '--key', key], input: event },
        { name: 'hook claude-code --policy', args: [BIN, ...hook, '--policy', policy], input: event },
      ];
      for (const start of starts.filter((s) => s.name.startsWith('hook'))) {
        const answer = hookDecision(start, env);
        if (answer !== 'allow') throw new Error(`${start.name} answered ${answer}, not allow`);
      }
      const startResults = startTimes(starts, runs, env);
      const echo = [process.execPath, '--import', 'tsx', ECHO];
      const callResults: CallResult[] = [];
      for (const [name, command] of [
        ['direct', echo],
        ['mcp-proxy --policy', [process.execPath, BIN, 'mcp-proxy', '--policy', policy, '--', ...echo]],
        ['mcp-proxy --server', [process.execPath, BIN, 'mcp-proxy', '--server', server.url, '--key', key, '--', ...echo]],
      ] as const)
        callResults.push(await callTimes(name, [...command], timing));
      const sdkResults = await sdkTimes(server.url, key, timing);
      const targets = report(startResults, callResults, sdkResults);
      return { starts: startResults, mcp: callResults, sdk: sdkResults, targets };
    } finally {
      await server.stop();
      await database.drop();
    }
  },
};

export default suite;
