// Line-by-line syntax colouring for JSON and common code: enough to tell keys, strings, numbers,
// keywords and comments apart in a diff, without a parser per language.

export interface Token {
  kind: 'key' | 'string' | 'number' | 'literal' | 'keyword' | 'comment' | 'plain';
  text: string;
}

const JSON_TOKEN = /("(?:[^"\\]|\\.)*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false|null)\b/g;
const CODE_TOKEN =
  /(\/\/.*$|#.*$|--\s.*$)|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`)|\b(\d+(?:\.\d+)?)\b|\b(const|let|var|function|return|if|else|for|while|import|export|from|class|new|def|async|await|try|catch|throw|public|private|static|func|package|type|interface|struct|fn|use|select|insert|update|delete|where|create|drop|table|and|or|not|in|true|false|null|none|nil|True|False|None)\b/gi;

export function tokens(line: string, language: 'json' | 'code' | 'text'): Token[] {
  if (language === 'text') return [{ kind: 'plain', text: line }];
  const pattern = new RegExp(language === 'json' ? JSON_TOKEN : CODE_TOKEN);
  const found: Token[] = [];
  let last = 0;
  for (let match = pattern.exec(line); match !== null; match = pattern.exec(line)) {
    if (match[0] === '') {
      pattern.lastIndex++;
      continue;
    }
    if (match.index > last) found.push({ kind: 'plain', text: line.slice(last, match.index) });
    if (language === 'json') {
      if (match[1] !== undefined) {
        found.push({ kind: match[2] !== undefined ? 'key' : 'string', text: match[1] });
        if (match[2] !== undefined) found.push({ kind: 'plain', text: match[2] });
      } else found.push({ kind: match[3] !== undefined ? 'number' : 'literal', text: match[0] });
    } else {
      const kind = match[1] !== undefined ? 'comment' : match[2] !== undefined ? 'string' : match[3] !== undefined ? 'number' : 'keyword';
      found.push({ kind, text: match[0] });
    }
    last = match.index + match[0].length;
  }
  if (last < line.length) found.push({ kind: 'plain', text: line.slice(last) });
  return found;
}
