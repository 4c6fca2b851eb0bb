// docs/errors.md lists every diagnostic and error code: scans the sources of every package for
// code literals (`policy.…`, `cel.…`, `lint.…`, …) and compares them with the table in the docs.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const PACKAGES = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ROOT = resolve(PACKAGES, '..');
const ERRORS_DOC = join(ROOT, 'docs/errors.md');

/** The namespaces of stable codes: policy diagnostics, CEL, lint, tests, CLI, and the server's errors. */
const NAMESPACES = [
  'policy',
  'cel',
  'lint',
  'test',
  'action',
  'cli',
  'store',
  'request',
  'auth',
  'approval',
  'vote',
  'grant',
  'user',
  'key',
  'audit',
  'notify',
  'settings',
  'tenant',
  'simulate',
  'question',
];
/** A code inside a string: `namespace.snake_case`, not part of a longer dotted name, a file name or a call. */
const CODE = new RegExp(`(?<![\\w.*$@/-])(?:${NAMESPACES.join('|')})\\.[a-z][a-z0-9_]*(?![\\w./-]|\\()`, 'g');
/** The whole of a string that is a code, with or without a namespace (`not_found`, `policy.invalid`). */
const WHOLE_CODE = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)?$/;

function sourceFiles(folder: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) found.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) found.push(path);
  }
  return found;
}

function propertyName(name: ts.PropertyName | ts.BindingName | undefined): string | undefined {
  return name !== undefined && (ts.isIdentifier(name) || ts.isStringLiteral(name)) ? name.text : undefined;
}

/** Whether a string is an event name rather than a code: a literal type, a `type:` or `event:` value, or compared with `.type`. */
function isEventName(node: ts.Node): boolean {
  for (let at: ts.Node = node; at.parent !== undefined; at = at.parent) {
    if (ts.isLiteralTypeNode(at)) return true;
    if (ts.isExpressionStatement(at) || ts.isBlock(at) || ts.isSourceFile(at)) break;
  }
  // `type: done ? 'approval.decided' : 'approval.timed_out'` names events just as a plain value does.
  let value: ts.Node = node;
  while ((ts.isConditionalExpression(value.parent) && value.parent.condition !== value) || ts.isParenthesizedExpression(value.parent))
    value = value.parent;
  const parent = value.parent;
  if ((ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && parent.initializer === value)
    return ['type', 'event'].includes(propertyName(parent.name) ?? '');
  if (ts.isBinaryExpression(parent)) {
    const other = parent.left === value ? parent.right : parent.left;
    return ts.isPropertyAccessExpression(other) && other.name.text === 'type';
  }
  return false;
}

/**
 * Codes in one file: namespaced codes anywhere in string and template literals, whole strings given
 * as a `code`, and the keys of tables that map codes. Comments, symbol names, module specifiers and
 * event names do not count.
 */
function codesIn(file: string, text: string): Map<string, string> {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const codes = new Map<string, string>();
  const add = (code: string, node: ts.Node): void => {
    if (codes.has(code)) return;
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    codes.set(code, `${file}:${line + 1}`);
  };
  const visit = (node: ts.Node): void => {
    if (
      ts.isStringLiteral(node) ||
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isTemplateHead(node) ||
      ts.isTemplateMiddle(node) ||
      ts.isTemplateTail(node)
    ) {
      const parent = node.parent;
      const isSymbolName = ts.isCallExpression(parent) && ts.isIdentifier(parent.expression) && parent.expression.text === 'Symbol';
      const isSpecifier = ts.isImportDeclaration(parent) || ts.isExportDeclaration(parent) || ts.isExternalModuleReference(parent);
      const isGivenAsCode =
        (ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) &&
        parent.initializer === node &&
        propertyName(parent.name) === 'code';
      if (isGivenAsCode && WHOLE_CODE.test(node.text)) add(node.text, node);
      else if (!isSymbolName && !isSpecifier && !isEventName(node)) for (const match of node.text.matchAll(CODE)) add(match[0], node);
    } else if (ts.isObjectLiteralExpression(node)) {
      const keys = node.properties.flatMap((property) =>
        ts.isPropertyAssignment(property) && ts.isStringLiteral(property.name) ? [property.name] : [],
      );
      const isCodeTable = keys.some((key) => new RegExp(`^${CODE.source}$`).test(key.text));
      if (isCodeTable) for (const key of keys) if (WHOLE_CODE.test(key.text)) add(key.text, key);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return codes;
}

function sourceCodes(): Map<string, string> {
  const codes = new Map<string, string>();
  const packages = readdirSync(PACKAGES, { withFileTypes: true }).filter((entry) => entry.isDirectory());
  for (const pkg of packages) {
    let files: string[];
    try {
      files = sourceFiles(join(PACKAGES, pkg.name, 'src'));
    } catch {
      continue;
    }
    for (const file of files) {
      for (const [code, where] of codesIn(relative(ROOT, file), readFileSync(file, 'utf8'))) if (!codes.has(code)) codes.set(code, where);
    }
  }
  return codes;
}

/** Rows of the tables in docs/errors.md: `| \`code\` | meaning | fix |`. */
function documentedCodes(): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of readFileSync(ERRORS_DOC, 'utf8').split('\n')) {
    const match = /^\|\s*`([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)?)`\s*\|(.*)\|\s*$/.exec(line);
    if (match === null) continue;
    rows.set(
      match[1]!,
      match[2]!.split('|').map((cell) => cell.trim()),
    );
  }
  return rows;
}

describe('the code scanner', () => {
  it('finds codes in strings and templates, and nothing in comments, symbols, file names or property reads', () => {
    const text = [
      "// reader.error(path, 'policy.in_a_comment', 'x')",
      '/** e.g. `action.decided` */',
      "reader.error(path, 'policy.unknown_key', `unknown key`);",
      'throw new CelRuntimeError("cel.no_overload", message);',
      'io.err(`${file}: error test.missing_policy: name the policy`);',
      "const UNKNOWN = Symbol('cel.unknown');",
      "const help = 'name test files `*.test.yaml` or run `tollgate policy test`';",
      'policy.command(x); action.action_type;',
      'const name = `approval_policies.${environment}.exceptions[0]`;',
      "readonly code = 'store.conflict';",
      "import { x } from 'policy.thing';",
    ].join('\n');
    expect([...codesIn('x.ts', text).keys()].sort()).toEqual([
      'cel.no_overload',
      'policy.unknown_key',
      'store.conflict',
      'test.missing_policy',
    ]);
  });

  it('finds bare codes given as `code` or in a code table, and skips event names', () => {
    const text = [
      "const STATUS = { 'request.invalid': 400, 'not_found': 404, internal: 500 };",
      "reply.send({ error: { code: 'unavailable', message } });",
      "type EventType = 'action.decided' | 'approval.voted';",
      "bus.publish({ type: 'approval.requested', at });",
      "if (event.type === 'approval.decided') done();",
      "const headers = { 'content-type': 'application/json' };",
      "report({ seq, code: 'audit.gap', message });",
    ].join('\n');
    expect([...codesIn('y.ts', text).keys()].sort()).toEqual(['audit.gap', 'not_found', 'request.invalid', 'unavailable']);
  });
});

describe('docs/errors.md', () => {
  const inSources = sourceCodes();
  let docs: Map<string, string[]> | undefined;
  /** Read when first needed, so that a missing file fails the tests that need it, not the scanner's. */
  const inDocs = (): Map<string, string[]> => (docs ??= documentedCodes());

  it('finds the codes the kernel and the CLI are known to produce', () => {
    for (const code of ['policy.unknown_key', 'cel.syntax', 'lint.shadowed_rule', 'test.missing_field', 'action.invalid', 'cli.usage']) {
      expect(inSources.has(code)).toBe(true);
    }
  });

  it('documents every code the sources produce', () => {
    const missing = [...inSources].filter(([code]) => !inDocs().has(code)).map(([code, where]) => `${code} (${where})`);
    expect(missing).toEqual([]);
  });

  it('documents no code that the sources no longer produce', () => {
    const stale = [...inDocs().keys()].filter((code) => !inSources.has(code));
    expect(stale).toEqual([]);
  });

  it('gives each code a meaning and a typical fix', () => {
    for (const [code, cells] of inDocs()) {
      expect(cells, code).toHaveLength(2);
      for (const cell of cells) expect(cell.length, code).toBeGreaterThan(3);
    }
  });
});
