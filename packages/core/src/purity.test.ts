// Core stays pure and packages meet only through their public faces: reads the sources and fails,
// naming file and line, on Node imports, clocks, randomness, timers, console or deep imports.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const CORE_SRC = dirname(fileURLToPath(import.meta.url));
const PACKAGES = resolve(CORE_SRC, '../..');
const ROOT = resolve(PACKAGES, '..');

function sourceFiles(folder: string, includeTests: boolean): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) found.push(...sourceFiles(path, includeTests));
    else if (/\.ts$/.test(entry.name) && !entry.name.endsWith('.d.ts') && (includeTests || !/\.test\.ts$/.test(entry.name)))
      found.push(path);
  }
  return found.sort();
}

function parse(file: string, text: string): ts.SourceFile {
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

/** Every module specifier in a file: static and dynamic imports, re-exports, `require`, import types. */
function specifiers(source: ts.SourceFile): { specifier: string; node: ts.Node }[] {
  const found: { specifier: string; node: ts.Node }[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined) {
      if (ts.isStringLiteral(node.moduleSpecifier)) found.push({ specifier: node.moduleSpecifier.text, node });
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expression = node.moduleReference.expression;
      if (ts.isStringLiteral(expression)) found.push({ specifier: expression.text, node });
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const isImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
      const first = node.arguments[0];
      if ((isImport || isRequire) && first !== undefined && ts.isStringLiteralLike(first)) found.push({ specifier: first.text, node });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ specifier: node.argument.literal.text, node });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const NODE_BUILTINS = new Set(builtinModules);

function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || NODE_BUILTINS.has(specifier) || NODE_BUILTINS.has(specifier.split('/')[0]!);
}

/** Globals that mean I/O, a clock, timers or the process: not to be used by pure code. */
const IMPURE_GLOBALS = new Set(['process', 'console', 'setTimeout', 'setInterval', 'setImmediate', 'fetch', 'Buffer']);
/** `object.property` reads that mean a clock or randomness. */
const IMPURE_PROPERTIES = new Set(['Date.now', 'Math.random', 'performance.now', 'crypto.randomUUID', 'crypto.getRandomValues']);

/** Whether an identifier stands for a value (not a property name, a key or a declared member name). */
function isValueReference(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return false;
  if (ts.isQualifiedName(parent) && parent.right === node) return false;
  if ((ts.isPropertyAssignment(parent) || ts.isPropertySignature(parent) || ts.isPropertyDeclaration(parent)) && parent.name === node)
    return false;
  if ((ts.isMethodDeclaration(parent) || ts.isMethodSignature(parent)) && parent.name === node) return false;
  if (ts.isImportSpecifier(parent) || ts.isExportSpecifier(parent)) return false;
  return true;
}

/** Impurities in one file, as `file:line: what`; comments and strings never count. */
function impurities(file: string, text: string): string[] {
  const source = parse(file, text);
  const problems: string[] = [];
  const report = (node: ts.Node, what: string): void => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    problems.push(`${file}:${line + 1}: ${what}`);
  };
  for (const { specifier, node } of specifiers(source)) {
    if (isNodeBuiltin(specifier)) report(node, `imports the Node built-in \`${specifier}\``);
  }
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && IMPURE_GLOBALS.has(node.text) && isValueReference(node)) {
      report(node, `uses \`${node.text}\``);
    } else if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
      const name = `${node.expression.text}.${node.name.text}`;
      if (IMPURE_PROPERTIES.has(name)) report(node, `uses \`${name}\``);
    } else if (
      ts.isNewExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'Date' &&
      (node.arguments === undefined || node.arguments.length === 0)
    ) {
      report(node, 'uses `new Date()`');
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return problems;
}

describe('the purity check itself', () => {
  it('finds impurities in code', () => {
    const text = [
      "import { readFileSync } from 'node:fs';",
      "import path from 'path';",
      "export * from 'fs/promises';",
      'const a = Date.now();',
      'const b = new Date();',
      'const c = Math.random();',
      'setTimeout(() => {}, 1);',
      'const t = setInterval;',
      'console.log(process.env.HOME);',
      "const d = await import('node:crypto');",
      'const e = crypto.randomUUID();',
    ].join('\n');
    expect(impurities('x.ts', text)).toEqual([
      'x.ts:1: imports the Node built-in `node:fs`',
      'x.ts:2: imports the Node built-in `path`',
      'x.ts:3: imports the Node built-in `fs/promises`',
      'x.ts:10: imports the Node built-in `node:crypto`',
      'x.ts:4: uses `Date.now`',
      'x.ts:5: uses `new Date()`',
      'x.ts:6: uses `Math.random`',
      'x.ts:7: uses `setTimeout`',
      'x.ts:8: uses `setInterval`',
      'x.ts:9: uses `console`',
      'x.ts:9: uses `process`',
      'x.ts:11: uses `crypto.randomUUID`',
    ]);
  });

  it('ignores comments, strings and lookalikes', () => {
    const text = [
      "// import fs from 'node:fs'; Date.now(); console.log('x')",
      '/* setTimeout(f, 1); new Date() */',
      "const message = 'call Date.now( or Math.random( or console.log';",
      'const template = `process.env ${"new Date()"} setInterval`;',
      'const when = new Date(0);',
      'const parsed = Date.parse("2026-01-01");',
      'const shape = { process: 1, console: 2 };',
      'const read = shape.process + shape.console;',
      'interface Options { setTimeout?: number }',
      "import type { Node } from 'yaml';",
      "import { x } from './node-helpers.js';",
    ].join('\n');
    expect(impurities('y.ts', text)).toEqual([]);
  });
});

describe('core is pure', () => {
  const files = sourceFiles(CORE_SRC, false);

  it('has sources to check', () => {
    expect(files.length).toBeGreaterThan(20);
    expect(files.some((file) => file.endsWith(`${sep}policy${sep}evaluate.ts`))).toBe(true);
  });

  it('imports no Node built-ins and uses no process, clock, randomness, timers or console', () => {
    const problems = files.flatMap((file) => impurities(relative(ROOT, file), readFileSync(file, 'utf8')));
    expect(problems).toEqual([]);
  });

  it('imports only its own files and its declared dependencies', () => {
    const manifest = JSON.parse(readFileSync(resolve(CORE_SRC, '../package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    const declared = new Set(Object.keys(manifest.dependencies ?? {}));
    const problems: string[] = [];
    for (const file of files) {
      const source = parse(file, readFileSync(file, 'utf8'));
      for (const { specifier, node } of specifiers(source)) {
        if (specifier.startsWith('.')) continue;
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
        if (!declared.has(name)) {
          const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
          problems.push(`${relative(ROOT, file)}:${line + 1}: imports \`${specifier}\`, which is no dependency of @tollgate/core`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('packages meet only through their public faces', () => {
  const packages = readdirSync(PACKAGES, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .filter((name) => {
      try {
        return readdirSync(join(PACKAGES, name, 'src')).length > 0;
      } catch {
        return false;
      }
    });

  /** Deep imports in one file of the package at `home`: relative paths leaving it, or subpaths of a workspace package. */
  function deepImportsIn(file: string, text: string, home: string): string[] {
    const source = parse(file, text);
    const problems: string[] = [];
    for (const { specifier, node } of specifiers(source)) {
      const target = specifier.startsWith('.') ? resolve(dirname(file), specifier) : undefined;
      const leaves = target !== undefined && !target.startsWith(home + sep);
      const deep = /^@tollgate\/[^/]+\/.+/.test(specifier);
      if (leaves || deep) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
        problems.push(
          `${relative(ROOT, file)}:${line + 1}: imports \`${specifier}\`; import another package through its name (\`@tollgate/…\`)`,
        );
      }
    }
    return problems;
  }

  function deepImports(pkg: string): string[] {
    const home = join(PACKAGES, pkg);
    return sourceFiles(join(home, 'src'), true).flatMap((file) => deepImportsIn(file, readFileSync(file, 'utf8'), home));
  }

  it('recognises deep imports', () => {
    const home = join(PACKAGES, 'server');
    const file = join(home, 'src', 'cli', 'example.ts');
    const text = [
      "import { loadPolicy } from '@tollgate/core';",
      "import { main } from './main.js';",
      "import { readPolicyFiles } from '../policy/load-files.js';",
      "import { compileBundle } from '../../../core/src/policy/compile.js';",
      "import { evaluateBundle } from '@tollgate/core/dist/policy/evaluate.js';",
      "export { lintBundle } from '../../../core/dist/policy/lint.js';",
    ].join('\n');
    expect(deepImportsIn(file, text, home).map((problem) => problem.replace(/;.*$/, ''))).toEqual([
      'packages/server/src/cli/example.ts:4: imports `../../../core/src/policy/compile.js`',
      'packages/server/src/cli/example.ts:5: imports `@tollgate/core/dist/policy/evaluate.js`',
      'packages/server/src/cli/example.ts:6: imports `../../../core/dist/policy/lint.js`',
    ]);
  });

  it('finds both packages', () => {
    expect(packages).toEqual(expect.arrayContaining(['core', 'server']));
  });

  it('server reaches core only through `@tollgate/core`', () => {
    expect(deepImports('server')).toEqual([]);
  });

  it('no package reaches into another package', () => {
    expect(packages.flatMap(deepImports)).toEqual([]);
  });
});
