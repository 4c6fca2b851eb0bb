// Recursive-descent parser from tokens to the syntax tree, following CEL's grammar and precedence.
// It stops at the first syntax error; nesting is capped so hostile input cannot exhaust the stack.
import { children, type BinaryOp, type Node, type Span } from './ast.js';
import type { CelError } from './errors.js';
import { lex, type Token } from './lexer.js';

/** Deepest nesting accepted, in parser recursion and in tree height; matches common CEL implementations. */
export const MAX_DEPTH = 250;

export type ParseResult = { ok: true; node: Node } | { ok: false; error: CelError };

class ParseFailure {
  constructor(readonly error: CelError) {}
}

const RELATIONS = new Set(['<', '<=', '>', '>=', '==', '!=']);

export function parse(source: string): ParseResult {
  const lexed = lex(source);
  if (!lexed.ok) return lexed;
  try {
    const parser = new Parser(lexed.tokens);
    const node = parser.parseTop();
    checkHeight(node);
    return { ok: true, node };
  } catch (e) {
    if (e instanceof ParseFailure) return { ok: false, error: e.error };
    throw e;
  }
}

function describe(t: Token): string {
  if (t.kind === 'eof') return 'end of expression';
  const text = t.text.length > 24 ? `${t.text.slice(0, 21)}...` : t.text;
  return `\`${text}\``;
}

function syntaxError(span: Span, message: string): never {
  throw new ParseFailure({ offset: span.offset, length: span.length, code: 'cel.syntax', message });
}

/** Left-leaning chains (`a + a + ...`) are built by loops, so their height is checked after parsing. */
function checkHeight(root: Node): void {
  const stack: [Node, number][] = [[root, 1]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [node, depth] = top;
    if (depth > MAX_DEPTH) syntaxError(node, `expression is nested too deeply (more than ${MAX_DEPTH} levels)`);
    for (const child of children(node)) stack.push([child, depth + 1]);
  }
}

class Parser {
  private pos = 0;
  private depth = 0;
  private lastEnd = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parseTop(): Node {
    const node = this.parseExpr();
    const t = this.peek();
    if (t.kind !== 'eof') syntaxError(t, `expected an operator or end of expression but found ${describe(t)}`);
    return node;
  }

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  private next(): Token {
    const t = this.tokens[this.pos]!;
    if (t.kind !== 'eof') this.pos++;
    this.lastEnd = t.offset + t.length;
    return t;
  }

  private atPunct(p: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.text === p;
  }

  private expect(p: string, alternative?: string): Token {
    const t = this.peek();
    if (t.kind === 'punct' && t.text === p) return this.next();
    const wanted = alternative === undefined ? `\`${p}\`` : `\`${alternative}\` or \`${p}\``;
    syntaxError(t, `expected ${wanted} but found ${describe(t)}`);
  }

  private span(start: number): Span {
    return { offset: start, length: this.lastEnd - start };
  }

  private parseExpr(): Node {
    if (++this.depth > MAX_DEPTH) {
      syntaxError(this.peek(), `expression is nested too deeply (more than ${MAX_DEPTH} levels)`);
    }
    const start = this.peek().offset;
    const cond = this.parseOr();
    let result = cond;
    if (this.atPunct('?')) {
      this.next();
      const then = this.parseOr();
      this.expect(':');
      const otherwise = this.parseExpr();
      result = { kind: 'ternary', cond, then, otherwise, ...this.span(start) };
    }
    this.depth--;
    return result;
  }

  private parseOr(): Node {
    return this.parseBinary(['||'], () => this.parseAnd());
  }

  private parseAnd(): Node {
    return this.parseBinary(['&&'], () => this.parseRelation());
  }

  private parseRelation(): Node {
    const start = this.peek().offset;
    let left = this.parseBinary(['+', '-'], () => this.parseBinary(['*', '/', '%'], () => this.parseUnary()));
    for (;;) {
      const t = this.peek();
      const isRel = (t.kind === 'punct' && RELATIONS.has(t.text)) || (t.kind === 'ident' && t.text === 'in');
      if (!isRel) return left;
      this.next();
      const right = this.parseBinary(['+', '-'], () => this.parseBinary(['*', '/', '%'], () => this.parseUnary()));
      left = { kind: 'binary', op: t.text as BinaryOp, left, right, ...this.span(start) };
    }
  }

  private parseBinary(ops: readonly string[], operand: () => Node): Node {
    const start = this.peek().offset;
    let left = operand();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct' || !ops.includes(t.text)) return left;
      this.next();
      const right = operand();
      left = { kind: 'binary', op: t.text as BinaryOp, left, right, ...this.span(start) };
    }
  }

  private parseUnary(): Node {
    const ops: Token[] = [];
    while (this.atPunct('!') || this.atPunct('-')) ops.push(this.next());
    let node = this.parseMember();
    for (let i = ops.length - 1; i >= 0; i--) {
      const op = ops[i]!;
      node = { kind: 'unary', op: op.text as '!' | '-', operand: node, ...this.span(op.offset) };
    }
    return node;
  }

  private parseMember(): Node {
    const start = this.peek().offset;
    let node = this.parsePrimary();
    for (;;) {
      if (this.atPunct('.')) {
        this.next();
        const name = this.peek();
        if (name.kind !== 'ident') syntaxError(name, `expected a field name after \`.\` but found ${describe(name)}`);
        this.next();
        if (this.atPunct('(')) {
          const args = this.parseArgs(')');
          node = { kind: 'call', name: name.text, nameSpan: spanOf(name), target: node, args, ...this.span(start) };
        } else {
          node = { kind: 'select', operand: node, field: name.text, ...this.span(start) };
        }
      } else if (this.atPunct('[')) {
        this.next();
        const index = this.parseExpr();
        this.expect(']');
        node = { kind: 'index', operand: node, index, ...this.span(start) };
      } else {
        return node;
      }
    }
  }

  /** Parses `(a, b)` or `[a, b]` after the opening bracket has been seen; a trailing comma is allowed. */
  private parseArgs(close: ')' | ']'): Node[] {
    this.next();
    const items: Node[] = [];
    while (!this.atPunct(close)) {
      items.push(this.parseExpr());
      if (this.atPunct(',')) this.next();
      else if (!this.atPunct(close)) this.expect(close, ',');
    }
    this.next();
    return items;
  }

  private parsePrimary(): Node {
    const t = this.peek();
    const start = t.offset;
    switch (t.kind) {
      case 'number':
      case 'string':
        this.next();
        return { kind: 'literal', value: t.value, ...spanOf(t) };
      case 'ident':
        return this.parseIdent(false);
      case 'eof':
        syntaxError(t, 'unexpected end of expression');
    }
    switch (t.text) {
      case '.': {
        this.next();
        if (this.peek().kind !== 'ident') {
          syntaxError(this.peek(), `expected a name after \`.\` but found ${describe(this.peek())}`);
        }
        return this.parseIdent(true, start);
      }
      case '(': {
        this.next();
        const inner = this.parseExpr();
        this.expect(')');
        return inner;
      }
      case '[': {
        const elements = this.parseArgs(']');
        return { kind: 'list', elements, ...this.span(start) };
      }
      case '{':
        return this.parseMap();
    }
    syntaxError(t, `expected an expression but found ${describe(t)}`);
  }

  private parseIdent(absolute: boolean, start = this.peek().offset): Node {
    const t = this.next();
    switch (t.text) {
      case 'true':
      case 'false':
      case 'null':
        if (!absolute) return { kind: 'literal', value: t.text === 'null' ? null : t.text === 'true', ...spanOf(t) };
        break;
      case 'in':
        syntaxError(t, 'expected an expression but found `in`');
    }
    if (this.atPunct('(')) {
      const args = this.parseArgs(')');
      return { kind: 'call', name: t.text, nameSpan: spanOf(t), target: null, args, ...this.span(start) };
    }
    return { kind: 'ident', name: t.text, absolute, ...this.span(start) };
  }

  private parseMap(): Node {
    const start = this.next().offset;
    const entries: { key: Node; value: Node }[] = [];
    while (!this.atPunct('}')) {
      const key = this.parseExpr();
      this.expect(':');
      const value = this.parseExpr();
      entries.push({ key, value });
      if (this.atPunct(',')) this.next();
      else if (!this.atPunct('}')) this.expect('}', ',');
    }
    this.next();
    return { kind: 'map', entries, ...this.span(start) };
  }
}

function spanOf(t: Token): Span {
  return { offset: t.offset, length: t.length };
}
