// Splits CEL source into tokens, decoding number and string literals (escapes, raw and triple-quoted
// strings) so the parser only deals with values.
import type { CelError } from './errors.js';

export type TokenKind = 'number' | 'string' | 'ident' | 'punct' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** Source text of the token; for punctuation and identifiers this is what the parser matches on. */
  readonly text: string;
  readonly value: number | string | null;
  readonly offset: number;
  readonly length: number;
}

export type LexResult = { ok: true; tokens: Token[] } | { ok: false; error: CelError };

const PUNCT2 = new Set(['<=', '>=', '==', '!=', '&&', '||']);
const PUNCT1 = new Set(['(', ')', '[', ']', '{', '}', '.', ',', ':', '?', '+', '-', '*', '/', '%', '!', '<', '>']);
const LONE: Readonly<Record<string, string>> = { '=': '==', '&': '&&', '|': '||' };

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '`': '`',
  '?': '?',
};

class LexFailure {
  constructor(readonly error: CelError) {}
}

function fail(offset: number, length: number, message: string): never {
  throw new LexFailure({ offset, length, code: 'cel.syntax', message });
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);
const isIdentStart = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z_]$/.test(c);
const isIdentPart = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z0-9_]$/.test(c);

export function lex(src: string): LexResult {
  try {
    return { ok: true, tokens: lexAll(src) };
  } catch (e) {
    if (e instanceof LexFailure) return { ok: false, error: e.error };
    throw e;
  }
}

function lexAll(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(src[i + 1]))) {
      const t = lexNumber(src, i);
      tokens.push(t);
      i += t.length;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (isIdentPart(src[j])) j++;
      const word = src.slice(i, j);
      const q = src[j];
      if ((q === '"' || q === "'") && /^(?:[rRbB]|[rR][bB]|[bB][rR])$/.test(word)) {
        const t = lexString(src, i, j, /r/i.test(word));
        tokens.push(t);
        i += t.length;
        continue;
      }
      tokens.push({ kind: 'ident', text: word, value: null, offset: i, length: j - i });
      i = j;
      continue;
    }
    if (c === '"' || c === "'") {
      const t = lexString(src, i, i, false);
      tokens.push(t);
      i += t.length;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (PUNCT2.has(two)) {
      tokens.push({ kind: 'punct', text: two, value: null, offset: i, length: 2 });
      i += 2;
      continue;
    }
    if (PUNCT1.has(c)) {
      tokens.push({ kind: 'punct', text: c, value: null, offset: i, length: 1 });
      i++;
      continue;
    }
    const suggestion = LONE[c];
    if (suggestion !== undefined) fail(i, 1, `unexpected \`${c}\`; did you mean \`${suggestion}\`?`);
    const cp = src.codePointAt(i)!;
    const shown = cp < 0x20 || cp === 0x7f ? `U+${cp.toString(16).toUpperCase().padStart(4, '0')}` : `\`${String.fromCodePoint(cp)}\``;
    fail(i, cp > 0xffff ? 2 : 1, `unexpected character ${shown}`);
  }
  tokens.push({ kind: 'eof', text: '', value: null, offset: src.length, length: 0 });
  return tokens;
}

function lexNumber(src: string, start: number): Token {
  let i = start;
  let value: number;
  if (src[i] === '0' && (src[i + 1] === 'x' || src[i + 1] === 'X')) {
    i += 2;
    const digits = i;
    while (isHex(src[i])) i++;
    if (i === digits) badNumber(src, start, i);
    value = parseInt(src.slice(digits, i), 16);
    if (src[i] === 'u' || src[i] === 'U') i++;
  } else {
    let isDouble = false;
    while (isDigit(src[i])) i++;
    if (src[i] === '.' && isDigit(src[i + 1])) {
      isDouble = true;
      i++;
      while (isDigit(src[i])) i++;
    }
    if (src[i] === 'e' || src[i] === 'E') {
      let j = i + 1;
      if (src[j] === '+' || src[j] === '-') j++;
      if (!isDigit(src[j])) badNumber(src, start, j);
      i = j;
      while (isDigit(src[i])) i++;
      isDouble = true;
    }
    value = Number(src.slice(start, i));
    if (!isDouble && (src[i] === 'u' || src[i] === 'U')) i++;
  }
  if (isIdentPart(src[i]) || src[i] === '.') {
    // A trailing `.` is only legal as member access, and numbers have no members worth selecting.
    if (src[i] !== '.' || isDigit(src[i + 1])) badNumber(src, start, i);
  }
  return { kind: 'number', text: src.slice(start, i), value, offset: start, length: i - start };
}

function badNumber(src: string, start: number, end: number): never {
  let j = end;
  while (isIdentPart(src[j]) || src[j] === '.') j++;
  fail(start, j - start, `invalid number \`${src.slice(start, j)}\``);
}

/** `start` is where the token begins (including any r/b prefix); `quote` is the opening quote. */
function lexString(src: string, start: number, quote: number, raw: boolean): Token {
  const q = src[quote]!;
  const triple = src[quote + 1] === q && src[quote + 2] === q;
  let i = quote + (triple ? 3 : 1);
  let out = '';
  let chunk = i;
  for (;;) {
    if (i >= src.length) fail(start, src.length - start, 'unterminated string');
    const c = src[i]!;
    if (c === q && (!triple || (src[i + 1] === q && src[i + 2] === q))) {
      out += src.slice(chunk, i);
      const end = i + (triple ? 3 : 1);
      return { kind: 'string', text: src.slice(start, end), value: out, offset: start, length: end - start };
    }
    if (!triple && (c === '\n' || c === '\r')) fail(start, i - start, 'unterminated string');
    if (c === '\\' && !raw) {
      out += src.slice(chunk, i);
      const [decoded, width] = decodeEscape(src, i);
      out += decoded;
      i += width;
      chunk = i;
      continue;
    }
    i++;
  }
}

/** Decodes the escape starting at the backslash at `i`; returns the text and how many source characters it used. */
function decodeEscape(src: string, i: number): [string, number] {
  const c = src[i + 1];
  if (c === undefined) fail(i, 1, 'unterminated string');
  const simple = SIMPLE_ESCAPES[c];
  if (simple !== undefined) return [simple, 2];
  const hexWidth = c === 'x' || c === 'X' ? 2 : c === 'u' ? 4 : c === 'U' ? 8 : 0;
  if (hexWidth > 0) {
    const digits = src.slice(i + 2, i + 2 + hexWidth);
    if (digits.length !== hexWidth || ![...digits].every(isHex)) {
      fail(i, 2 + digits.length, `invalid escape sequence \`${src.slice(i, i + 2 + hexWidth)}\``);
    }
    const cp = parseInt(digits, 16);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      fail(i, 2 + hexWidth, `invalid unicode code point in \`${src.slice(i, i + 2 + hexWidth)}\``);
    }
    return [String.fromCodePoint(cp), 2 + hexWidth];
  }
  if (c >= '0' && c <= '3') {
    const digits = src.slice(i + 1, i + 4);
    if (/^[0-3][0-7][0-7]$/.test(digits)) return [String.fromCodePoint(parseInt(digits, 8)), 4];
  }
  const cp = src.codePointAt(i + 1)!;
  fail(i, cp > 0xffff ? 3 : 2, `invalid escape sequence \`\\${String.fromCodePoint(cp)}\``);
}
