// Glob patterns for paths and names: `*` within one segment, `**` across segments, `?` one
// character, `{a,b}` alternatives. Compiled once to an RE2 pattern, so that a glob with many stars
// matches in linear time instead of backtracking over every way to split the input.
import { patternOf, quotePattern, type Pattern } from './regex.js';

export function globToPattern(pattern: string): Pattern {
  return patternOf(globSource(pattern));
}

function globSource(pattern: string): string {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') {
          i++;
          source += '(?:.*/)?';
        } else {
          source += '.*';
        }
      } else {
        source += '[^/]*';
      }
    } else if (char === '?') {
      source += '[^/]';
    } else if (char === '{') {
      const end = pattern.indexOf('}', i);
      if (end === -1) {
        source += '\\{';
        continue;
      }
      const options = pattern
        .slice(i + 1, end)
        .split(',')
        .map(quotePattern);
      source += `(?:${options.join('|')})`;
      i = end;
    } else {
      source += quotePattern(char);
    }
  }
  return `(?s)^${source}$`;
}
