// Regular expressions for CEL's `matches`, on RE2 semantics as the CEL specification asks, through
// the same linear-time engine as the policy's `matches` operator.
import type { Span } from './ast.js';
import { CelRuntimeError, quote } from './errors.js';
import { compilePattern, type Pattern } from '../util/regex.js';

export function compileRegex(pattern: string, span: Span): Pattern {
  const compiled = compilePattern(pattern);
  if (compiled.ok) return compiled.pattern;
  throw new CelRuntimeError('cel.invalid_regex', `invalid regular expression ${quote(pattern)}: ${compiled.reason}`, span);
}

/** Why a literal pattern can never run (RE2-excluded syntax), reported at load; undefined otherwise. */
export function unsupportedRegex(pattern: string): string | undefined {
  const compiled = compilePattern(pattern);
  return !compiled.ok && compiled.code === 'policy.regex_unsupported'
    ? `regular expression ${quote(pattern)} is refused: ${compiled.reason}`
    : undefined;
}

/** A matcher for non-constant patterns that reuses the last compiled regex, since patterns rarely vary. */
export function dynamicMatcher(): (s: string, pattern: string, span: Span) => boolean {
  let lastPattern: string | undefined;
  let lastRegex: Pattern | undefined;
  return (s, pattern, span) => {
    if (pattern !== lastPattern || lastRegex === undefined) {
      lastRegex = compileRegex(pattern, span);
      lastPattern = pattern;
    }
    return lastRegex.test(s);
  };
}
