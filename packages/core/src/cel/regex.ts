// Builds JS regular expressions from RE2-style patterns for `matches`. JS regexes with the `u` flag
// agree with RE2 on common syntax; the few RE2-only spellings worth supporting are translated here.
import type { Span } from './ast.js';
import { CelRuntimeError, quote } from './errors.js';

const LEADING_FLAGS = /^\(\?([a-zA-Z]+)\)/;

export function compileRegex(pattern: string, span: Span): RegExp {
  let body = pattern;
  let flags = 'u';
  const lead = LEADING_FLAGS.exec(body);
  if (lead !== null) {
    for (const f of lead[1]!) {
      if (f !== 'i' && f !== 'm' && f !== 's') throw invalid(pattern, `unsupported flag \`${f}\``, span);
      if (!flags.includes(f)) flags += f;
    }
    body = body.slice(lead[0].length);
  }
  try {
    return new RegExp(translate(body), flags);
  } catch (e) {
    const reason = e instanceof Error ? e.message.replace(/^.*: /, '').toLowerCase() : 'syntax error';
    throw invalid(pattern, reason, span);
  }
}

function invalid(pattern: string, reason: string, span: Span): CelRuntimeError {
  return new CelRuntimeError('cel.invalid_regex', `invalid regular expression ${quote(pattern)}: ${reason}`, span);
}

/** Rewrites RE2's `(?P<name>`, `\A` and `\z`, which JS spells differently or not at all. */
function translate(p: string): string {
  let out = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\' && i + 1 < p.length) {
      const d = p[i + 1]!;
      out += d === 'A' ? '(?<![\\s\\S])' : d === 'z' ? '(?![\\s\\S])' : c + d;
      i++;
    } else if (c === '(' && p.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
    } else {
      out += c;
    }
  }
  return out;
}

/** A matcher for non-constant patterns that reuses the last compiled regex, since patterns rarely vary. */
export function dynamicMatcher(): (s: string, pattern: string, span: Span) => boolean {
  let lastPattern: string | undefined;
  let lastRegex: RegExp | undefined;
  return (s, pattern, span) => {
    if (pattern !== lastPattern || lastRegex === undefined) {
      lastRegex = compileRegex(pattern, span);
      lastPattern = pattern;
    }
    return lastRegex.test(s);
  };
}
