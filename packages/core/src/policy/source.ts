// Reads policy YAML into plain data, keeping a way back from a data path to its line and column
// so that every diagnostic can say exactly where the problem is.

import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, visit, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { CORE_SCHEMA, loadAll } from 'js-yaml';
import type { Diagnostic } from '../diagnostics.js';

export interface PolicyFile {
  path: string;
  text: string;
}

export type DataPath = (string | number)[];

export interface Position {
  line: number;
  column: number;
}

/** One YAML document of one file, as data, with positions on demand. */
export interface SourceDocument {
  file: string;
  data: unknown;
  /** Where the value at `path` is (or its key, when `key` is set); the nearest known ancestor otherwise. */
  locate(path: DataPath, key?: boolean): Position | undefined;
  /** Where the character at `offset` inside the string scalar at `path` is. */
  locateInString(path: DataPath, offset: number): Position | undefined;
}

const MAX_ALIAS_COUNT = 100;
/** Deeper than any policy needs; far below where the YAML parsers' recursion exhausts the stack. */
export const MAX_NESTING = 64;
/** Indentation (with compact `- ` entries) that no policy needs; it bounds how deep block nesting goes. */
const MAX_INDENT = 256;

/**
 * Where a text nests too deeply to hand to a YAML parser, or undefined. Both parsers recurse per
 * level: thousands of `[` overflow the stack, and the engine may even abort the process outright
 * when that happens while it compiles a regular expression, which no `catch` can stop. This
 * over-approximates without parsing: brackets outside quotes and comments, and each line's indent.
 */
export function tooDeep(text: string): { line: number; message: string } | undefined {
  let flow = 0;
  let line = 1;
  let lineStart = true;
  let indent = 0;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      lineStart = true;
      indent = 0;
      continue;
    }
    if (quote !== undefined) {
      if (quote === '"' && c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (lineStart) {
      if (c === ' ' || c === '\t' || ((c === '-' || c === '?' || c === ':') && (text[i + 1] === ' ' || text[i + 1] === '\t'))) {
        indent++;
        if (indent > MAX_INDENT) return { line, message: `the file is indented deeper than ${MAX_INDENT} columns` };
        continue;
      }
      lineStart = false;
    }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      const end = text.indexOf('\n', i);
      if (end === -1) break;
      i = end - 1;
    } else if ((c === '"' || c === "'") && (i === 0 || /[\s[{,:-]/.test(text[i - 1]!)))
      quote = c; // an apostrophe inside a word quotes nothing
    else if (c === '[' || c === '{') {
      flow++;
      if (flow > MAX_NESTING) return { line, message: `the file nests lists and maps deeper than ${MAX_NESTING} levels` };
    } else if ((c === ']' || c === '}') && flow > 0) flow--;
  }
  return undefined;
}

/**
 * The fast path: plain data without positions, from a parser many times faster on large
 * bundles. Undefined when any file fails to parse; the caller then reads with positions.
 */
export function readSourcesFast(files: PolicyFile[]): SourceDocument[] | undefined {
  const documents: SourceDocument[] = [];
  try {
    for (const file of files) {
      if (tooDeep(file.text) !== undefined) return undefined;
      for (const data of loadAll(file.text, undefined, { schema: CORE_SCHEMA, filename: file.path })) {
        if (data === null || data === undefined) continue;
        documents.push({ file: file.path, data, locate: () => undefined, locateInString: () => undefined });
      }
    }
  } catch {
    return undefined;
  }
  return documents;
}

export function readSources(files: PolicyFile[], diagnostics: Diagnostic[]): SourceDocument[] {
  const documents: SourceDocument[] = [];
  for (const file of files) {
    const deep = tooDeep(file.text);
    if (deep !== undefined) {
      diagnostics.push({
        code: 'policy.yaml_syntax',
        message: deep.message,
        severity: 'error',
        file: file.path,
        line: deep.line,
        column: 1,
      });
      continue;
    }
    const lineCounter = new LineCounter();
    let parsed: Document.Parsed[];
    try {
      // Duplicate keys are found below: the parser's own check compares each key with every earlier
      // one, which made a map of thousands of keys take seconds.
      parsed = parseAllDocuments(file.text, { lineCounter, prettyErrors: false, uniqueKeys: false });
    } catch (error) {
      diagnostics.push({ code: 'policy.yaml_syntax', message: String(error), severity: 'error', file: file.path, line: 1, column: 1 });
      continue;
    }
    if (!Array.isArray(parsed)) parsed = [parsed];
    for (const doc of parsed) {
      const duplicates = duplicateKeys(doc);
      const problems = [...doc.errors, ...doc.warnings.filter((warning) => warning.code !== 'TAG_RESOLVE_FAILED')];
      for (const problem of problems) {
        const position = lineCounter.linePos(problem.pos[0]);
        diagnostics.push({
          code: 'policy.yaml_syntax',
          message: yamlMessage(problem.message),
          severity: doc.errors.includes(problem as never) ? 'error' : 'warning',
          file: file.path,
          line: position.line,
          column: position.col,
        });
      }
      for (const offset of duplicates) {
        const position = lineCounter.linePos(offset);
        diagnostics.push({
          code: 'policy.yaml_syntax',
          message: 'map keys must be unique',
          severity: 'error',
          file: file.path,
          line: position.line,
          column: position.col,
        });
      }
      if (doc.errors.length > 0 || duplicates.length > 0) continue;
      let data: unknown;
      try {
        data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
      } catch (error) {
        diagnostics.push({
          code: 'policy.yaml_syntax',
          message: yamlMessage(String((error as Error).message ?? error)),
          severity: 'error',
          file: file.path,
          line: 1,
          column: 1,
        });
        continue;
      }
      if (data === null || data === undefined) continue; // an empty document, e.g. after a trailing `---`
      documents.push(sourceDocument(file, doc, data, lineCounter));
    }
  }
  return documents;
}

/** Where each key that repeats an earlier scalar key of its map starts, in one pass per map. */
function duplicateKeys(doc: Document.Parsed): number[] {
  const offsets: number[] = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        if (seen.has(pair.key.value)) offsets.push(pair.key.range?.[0] ?? 0);
        else seen.add(pair.key.value);
      }
    },
  });
  return offsets;
}

function yamlMessage(message: string): string {
  const firstLine = message.split('\n')[0] ?? message;
  const trimmed = firstLine.replace(/ at line \d+, column \d+:?$/, '').replace(/\.$/, '');
  return trimmed.charAt(0).toLowerCase() + trimmed.slice(1);
}

function sourceDocument(file: PolicyFile, doc: Document.Parsed, data: unknown, lineCounter: LineCounter): SourceDocument {
  const toPosition = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  // Each map's keys, indexed when first asked: a search of the items per lookup made placing every
  // key of a map with thousands of them quadratic.
  const indexes = new WeakMap<YAMLMap, Map<string, Pair>>();
  const pairOf = (map: YAMLMap, step: string | number): Pair | undefined => {
    let index = indexes.get(map);
    if (index === undefined) {
      index = new Map();
      for (const item of map.items) {
        // Keys compare as text: `0:` in YAML is the number 0 but the data path says '0'.
        const text = String(isScalar(item.key) ? item.key.value : item.key);
        if (!index.has(text)) index.set(text, item);
      }
      indexes.set(map, index);
    }
    return index.get(String(step));
  };

  /** The deepest node on the path, and the key node of the last step when asked. */
  const find = (path: DataPath): { node: Node | null; keyNode?: Node; complete: boolean } => {
    let node: Node | null = doc.contents;
    let keyNode: Node | undefined;
    for (const step of path) {
      if (isMap(node)) {
        const pair = pairOf(node, step);
        if (pair === undefined) return { node, complete: false };
        keyNode = pair.key as Node;
        node = pair.value as Node | null;
        if (node === null) return { node: keyNode, keyNode, complete: true };
      } else if (isSeq(node) && typeof step === 'number') {
        const item = node.items[step];
        if (item === undefined) return { node, complete: false };
        keyNode = undefined;
        node = item as Node;
      } else {
        return { node, complete: false };
      }
    }
    return { node, ...(keyNode === undefined ? {} : { keyNode }), complete: true };
  };

  return {
    file: file.path,
    data,
    locate(path, key = false) {
      const { node, keyNode, complete } = find(path);
      const target = key && complete && keyNode !== undefined ? keyNode : node;
      const offset = target?.range?.[0];
      return offset === undefined ? undefined : toPosition(offset);
    },
    locateInString(path, offset) {
      const { node, complete } = find(path);
      if (!complete || !isScalar(node) || node.range === undefined || node.range === null) return this.locate(path);
      const raw = file.text.slice(node.range[0], node.range[1]);
      const value = String(node.value);
      const at = raw.indexOf(value);
      // Quoted or folded scalars whose source differs from their value point at the scalar's start.
      return toPosition(node.range[0] + (at === -1 ? 0 : at + offset));
    },
  };
}
