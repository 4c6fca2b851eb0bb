// The `tollgate` command line, run in-process through `main()` with captured output: the policy is
// written to a temporary folder, decisions come from `policy eval`, errors from `policy validate`.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PolicyDecision } from '@tollgate/core';
// The CLI has no library face of its own; this is the module the `tollgate` binary runs.
import { main } from '../../packages/server/dist/cli/main.js';
import type { Implementation } from '../implementations.js';
import type { ConformanceCase } from '../loader.js';
import { decisionOutcome, type DiagnosticOutcome, type Outcome } from '../outcome.js';

/** `file:line:col: code: message`, the format every tollgate command prints diagnostics in. */
const DIAGNOSTIC_LINE = /^.*?(?::(\d+):(\d+))?: (?:warning )?([a-z]+\.[a-z_]+): (.*)$/;

function parseDiagnostics(lines: string[]): DiagnosticOutcome[] {
  const found: DiagnosticOutcome[] = [];
  for (const line of lines) {
    const match = DIAGNOSTIC_LINE.exec(line);
    if (match === null) continue;
    const [, row, column, code, message] = match;
    found.push({
      code: code!,
      message: message!,
      ...(row === undefined ? {} : { line: Number(row) }),
      ...(column === undefined ? {} : { column: Number(column) }),
    });
  }
  return found;
}

async function tollgate(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'tollgate', ...args], { out: (text) => out.push(text), err: (text) => err.push(...text.split('\n')) });
  return { code, out, err };
}

export const cli: Implementation = {
  name: 'cli',
  async run(testCase) {
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-conformance-'));
    try {
      const policyDir = join(dir, 'policy');
      await mkdir(policyDir);
      for (const file of testCase.policy) await writeFile(join(policyDir, file.path), file.text);
      // A single file is passed as a file, as people do; a bundle as its folder.
      const policyPath = testCase.policy.length === 1 ? join(policyDir, testCase.policy[0]!.path) : policyDir;
      return await runIn(dir, policyPath, testCase);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

async function runIn(dir: string, policyPath: string, testCase: ConformanceCase): Promise<Outcome> {
  if (testCase.expect.kind === 'error') {
    const result = await tollgate(['policy', 'validate', policyPath]);
    return result.code === 0 ? { kind: 'valid' } : { kind: 'invalid', diagnostics: parseDiagnostics(result.err) };
  }
  const { action, options } = testCase.expect;
  const actionPath = join(dir, 'action.json');
  await writeFile(actionPath, JSON.stringify(action));
  const args = ['policy', 'eval', '--policy', policyPath, '--input', `@${actionPath}`];
  if (options.level !== undefined) args.push('--level', String(options.level));
  if (options.novel === true) args.push('--novel');
  if (options.action_id !== undefined) args.push('--action-id', options.action_id);
  const result = await tollgate(args);
  // The CLI refuses a non-object action as bad input (exit 2) where the kernel denies it with `action.invalid`.
  if (result.code === 2 && result.err.some((line) => line.includes('the action must be a JSON object'))) {
    return decisionOutcome({
      decision: 'DENY',
      reasons: [{ kind: 'error', name: 'action.invalid', decision: 'DENY', reason: 'not an object', facts: [] }],
      missing: [],
      risk: null,
      policy_version: '',
      autonomy_level: null,
    });
  }
  if (result.code !== 0) {
    const diagnostics = parseDiagnostics(result.err);
    if (diagnostics.length > 0) return { kind: 'invalid', diagnostics };
    throw new Error(`tollgate ${args.join(' ')} exited ${result.code}: ${result.err.join('\n')}`);
  }
  return decisionOutcome(JSON.parse(result.out.join('\n')) as PolicyDecision);
}
