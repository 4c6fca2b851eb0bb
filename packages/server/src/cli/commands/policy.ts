// `tollgate policy validate|lint|test|eval|simulate`: the policy author's tools.

import { dirname, resolve } from 'node:path';
import { readFileSync, statSync } from 'node:fs';
import { Option, type Command } from 'commander';
import {
  explainDecision,
  formatDiagnostic,
  lintPolicy,
  loadPolicy,
  readTestFile,
  runTestCase,
  type CompiledPolicy,
  type Diagnostic,
} from '@tollgate/core';
import { readJsonArgument, UsageError } from '../input.js';
import { EXIT, type CliIo } from '../io.js';
import { isTestFile, listFiles, readPolicyFiles } from '../../policy/load-files.js';
import { registerSimulateCommand } from './policy-simulate.js';
import { registerPushCommand } from './policy-push.js';

function integer(name: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value)) throw new UsageError(`${name} must be a whole number, not \`${value}\``);
    return Number(value);
  };
}

/** Prints diagnostics; those about the bundle as a whole are placed at the path given. */
function printDiagnostics(io: CliIo, diagnostics: Diagnostic[], path?: string): void {
  for (const diagnostic of diagnostics)
    io.err(formatDiagnostic(diagnostic.file === undefined && path !== undefined ? { ...diagnostic, file: path } : diagnostic));
}

/** Loads a policy, printing its diagnostics; undefined when it does not load. */
function loadOrReport(io: CliIo, path: string): CompiledPolicy | undefined {
  const result = loadPolicy(readPolicyFiles(path));
  printDiagnostics(io, result.diagnostics, path);
  return result.ok ? result.policy : undefined;
}

export function registerPolicyCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const policy = program.command('policy').description('validate, lint, test, evaluate and simulate policies');
  registerSimulateCommand(policy, io);
  registerPushCommand(policy, io, setExit);

  policy
    .command('validate')
    .description('check policy files and report every problem as file:line:col: code: message')
    .argument('<path...>', 'policy file or folder')
    .action((paths: string[]) => {
      for (const path of paths) {
        const loaded = loadOrReport(io, path);
        if (loaded === undefined) {
          setExit(EXIT.failed);
          continue;
        }
        const { bundle } = loaded;
        io.out(
          `${path}: ok (${bundle.rules.length} rules, ${Object.keys(bundle.approval_policies).length} environments, ${Object.keys(bundle.workflows).length} workflows; ${loaded.version})`,
        );
      }
    });

  policy
    .command('lint')
    .description('warn about shadowed, unreachable and never-firing rules, missing defaults, unknown groups and more')
    .argument('<path...>', 'policy file or folder')
    .option('--strict', 'exit 1 on warnings too')
    .action((paths: string[], options: { strict?: boolean }) => {
      for (const path of paths) {
        const diagnostics = lintPolicy(readPolicyFiles(path));
        printDiagnostics(io, diagnostics, path);
        const errors = diagnostics.filter((d) => d.severity === 'error').length;
        const warnings = diagnostics.length - errors;
        io.out(`${path}: ${errors} errors, ${warnings} warnings`);
        if (errors > 0 || (options.strict === true && warnings > 0)) setExit(EXIT.failed);
      }
    });

  policy
    .command('test')
    .description('run YAML test files (action → expected decision and rules)')
    .argument('<path...>', 'test files (*.test.yaml) or folders holding them')
    .option('--policy <path>', "the policy to test (default: each file's `policy:`)")
    .option('-v, --verbose', 'show the explanation of passing cases too')
    .action((paths: string[], options: { policy?: string; verbose?: boolean }) => {
      const files = paths.flatMap((path) => (isFolder(path) ? listFiles(path, isTestFile) : [path]));
      if (files.length === 0) throw new UsageError(`no test files (*.test.yaml) found in ${paths.map((p) => `\`${p}\``).join(', ')}`);
      let passed = 0;
      let failed = 0;
      const policies = new Map<string, CompiledPolicy | undefined>();
      for (const file of files) {
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch {
          throw new UsageError(`cannot read test file \`${file}\``);
        }
        const read = readTestFile({ path: file, text });
        printDiagnostics(io, read.diagnostics);
        if (!read.ok) {
          failed++;
          continue;
        }
        const policyPath = options.policy ?? (read.tests.policy === undefined ? undefined : resolve(dirname(file), read.tests.policy));
        if (policyPath === undefined) {
          io.err(
            formatDiagnostic({
              code: 'test.missing_policy',
              message: 'name the policy with `policy:` in the file or with --policy',
              severity: 'error',
              file,
            }),
          );
          failed++;
          continue;
        }
        if (!policies.has(policyPath)) policies.set(policyPath, loadOrReport(io, policyPath));
        const compiled = policies.get(policyPath);
        if (compiled === undefined) {
          failed += read.tests.cases.length;
          continue;
        }
        io.out(file);
        for (const testCase of read.tests.cases) {
          const result = runTestCase(compiled, testCase);
          const where = testCase.line === undefined ? '' : ` (${file}:${testCase.line})`;
          if (result.passed) {
            passed++;
            io.out(`  ✓ ${testCase.name}`);
            if (options.verbose === true) io.out(indent(result.explanation, 6));
          } else {
            failed++;
            io.out(`  ✗ ${testCase.name}${where}`);
            for (const failure of result.failures) io.out(`      ${failure}`);
            io.out(indent(result.explanation, 6));
          }
        }
      }
      io.out(`${passed} passed, ${failed} failed`);
      if (failed > 0) setExit(EXIT.failed);
    });

  policy
    .command('eval')
    .description('decide one action and print the decision with its explanation as JSON')
    .requiredOption('--policy <path>', 'policy file or folder')
    .requiredOption('--input <json>', 'the action: JSON text, @file, or - for standard input')
    .addOption(new Option('--level <n>', "the agent's autonomy level").argParser(integer('--level')))
    .option('--novel', 'treat the action as the first of its kind for this agent')
    .option('--action-id <id>', 'action id for deterministic audit sampling')
    .option('--explain', 'print a readable explanation instead of JSON')
    .action((options: { policy: string; input: string; level?: number; novel?: boolean; actionId?: string; explain?: boolean }) => {
      const action = readJsonArgument(options.input, 'the action', io.readStdin);
      if (action === null || typeof action !== 'object' || Array.isArray(action)) throw new UsageError('the action must be a JSON object');
      const compiled = loadOrReport(io, options.policy);
      if (compiled === undefined) {
        setExit(EXIT.failed);
        return;
      }
      const result = compiled.evaluate(action, {
        now: Date.now(),
        ...(options.level === undefined ? {} : { level: options.level }),
        ...(options.novel === true ? { novel: true } : {}),
        ...(options.actionId === undefined ? {} : { actionId: options.actionId }),
      });
      io.out(options.explain === true ? explainDecision(result) : JSON.stringify(result, null, 2));
    });
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((line) => pad + line)
    .join('\n');
}
