// Syntax tree produced by the parser and consumed by the closure compiler.
// Every node carries its source span so compile and runtime errors can point at it.

export interface Span {
  readonly offset: number;
  readonly length: number;
}

export type Literal = null | boolean | number | string;

export interface LiteralNode extends Span {
  readonly kind: 'literal';
  readonly value: Literal;
}

export interface IdentNode extends Span {
  readonly kind: 'ident';
  readonly name: string;
  /** Written with a leading dot (`.name`): always an activation field, never a macro variable. */
  readonly absolute: boolean;
}

export interface SelectNode extends Span {
  readonly kind: 'select';
  readonly operand: Node;
  readonly field: string;
}

export interface IndexNode extends Span {
  readonly kind: 'index';
  readonly operand: Node;
  readonly index: Node;
}

export interface CallNode extends Span {
  readonly kind: 'call';
  readonly name: string;
  readonly nameSpan: Span;
  /** The receiver of `x.f(...)`, or null for a global call `f(...)`. */
  readonly target: Node | null;
  readonly args: readonly Node[];
}

export interface UnaryNode extends Span {
  readonly kind: 'unary';
  readonly op: '!' | '-';
  readonly operand: Node;
}

export type BinaryOp = '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | '+' | '-' | '*' | '/' | '%';

export interface BinaryNode extends Span {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly left: Node;
  readonly right: Node;
}

export interface TernaryNode extends Span {
  readonly kind: 'ternary';
  readonly cond: Node;
  readonly then: Node;
  readonly otherwise: Node;
}

export interface ListNode extends Span {
  readonly kind: 'list';
  readonly elements: readonly Node[];
}

export interface MapEntry {
  readonly key: Node;
  readonly value: Node;
}

export interface MapNode extends Span {
  readonly kind: 'map';
  readonly entries: readonly MapEntry[];
}

export type Node = LiteralNode | IdentNode | SelectNode | IndexNode | CallNode | UnaryNode | BinaryNode | TernaryNode | ListNode | MapNode;

/** From a call's function name to its closing parenthesis: what arity errors underline. */
export function callSpan(node: CallNode): Span {
  return { offset: node.nameSpan.offset, length: node.offset + node.length - node.nameSpan.offset };
}

export function children(node: Node): readonly Node[] {
  switch (node.kind) {
    case 'literal':
    case 'ident':
      return [];
    case 'select':
    case 'unary':
      return [node.operand];
    case 'index':
      return [node.operand, node.index];
    case 'call':
      return node.target === null ? node.args : [node.target, ...node.args];
    case 'binary':
      return [node.left, node.right];
    case 'ternary':
      return [node.cond, node.then, node.otherwise];
    case 'list':
      return node.elements;
    case 'map':
      return node.entries.flatMap((e) => [e.key, e.value]);
  }
}
