// Every regular expression a policy holds (`matches`, CEL `matches()`, modification `pattern`,
// globs) runs on RE2 semantics through re2js, so matching takes time linear in the input.
import { RE2JS } from 're2js';

/** A compiled pattern; `test` finds it anywhere in the input, as RegExp.test does. */
export interface Pattern {
  test(input: string): boolean;
}

export type RegexProblem = { code: 'policy.regex_unsupported' | 'policy.bad_regex'; reason: string };

/** Syntax that needs a backtracking engine, which RE2 leaves out on purpose. */
const EXCLUDED: readonly [RegExp, string][] = [
  [/\(\?<?[=!]/, 'lookaround (`(?=`, `(?!`, `(?<=`, `(?<!`)'],
  [/\\[1-9]/, 'a backreference (`\\1`)'],
  [/\\k</, 'a named backreference (`\\k<name>`)'],
  [/\(\?>/, 'an atomic group (`(?>`)'],
  [/[*+?}][+]/, 'a possessive quantifier (`a++`)'],
];

/** The RE2-excluded feature a pattern uses, or undefined. Escaped backslashes are skipped first. */
function excludedFeature(pattern: string): string | undefined {
  const plain = pattern.replace(/\\\\/g, '');
  for (const [test, name] of EXCLUDED) if (test.test(plain)) return name;
  return undefined;
}

/** JS spells code points `\uXXXX` and `\u{X}`; RE2 spells them `\x{X}`. Both are accepted. */
function translate(pattern: string): string {
  if (!pattern.includes('\\u')) return pattern;
  return pattern.replace(/\\\\|\\u\{([0-9a-fA-F]+)\}|\\u([0-9a-fA-F]{4})/g, (all, braced?: string, four?: string) =>
    all === '\\\\' ? all : `\\x{${braced ?? four}}`,
  );
}

/** Compiles a pattern, or says why it cannot be: excluded syntax or a plain syntax error. */
export function compilePattern(pattern: string): { ok: true; pattern: Pattern } | ({ ok: false } & RegexProblem) {
  try {
    return { ok: true, pattern: RE2JS.compile(translate(pattern)) };
  } catch (error) {
    const feature = excludedFeature(pattern);
    if (feature !== undefined) {
      return {
        ok: false,
        code: 'policy.regex_unsupported',
        reason: `it uses ${feature}, which linear-time (RE2) matching excludes`,
      };
    }
    const text = error instanceof Error ? error.message : String(error);
    return { ok: false, code: 'policy.bad_regex', reason: text.replace(/^error parsing regexp: /, '').toLowerCase() };
  }
}

/** Compiles a pattern already checked at load; a failure here is a bug, not bad input. */
export function patternOf(pattern: string): Pattern {
  const compiled = compilePattern(pattern);
  if (!compiled.ok) throw new Error(`pattern \`${pattern}\` failed to compile after validation: ${compiled.reason}`);
  return compiled.pattern;
}

/** Quotes text so that a pattern matches it literally. */
export function quotePattern(text: string): string {
  return RE2JS.quote(text);
}
