// Reads policy YAML into plain data, keeping a way back from a data path to its line and column
// so that every diagnostic can say exactly where the problem is.

import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';
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

/**
 * The fast path: plain data without positions, from a parser many times faster on large
 * bundles. Undefined when any file fails to parse; the caller then reads with positions.
 */
export function readSourcesFast(files: PolicyFile[]): SourceDocument[] | undefined {
  const documents: SourceDocument[] = [];
  try {
    for (const file of files) {
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
    const lineCounter = new LineCounter();
    let parsed: Document.Parsed[];
    try {
      parsed = parseAllDocuments(file.text, { lineCounter, prettyErrors: false, uniqueKeys: true });
    } catch (error) {
      diagnostics.push({ code: 'policy.yaml_syntax', message: String(error), severity: 'error', file: file.path, line: 1, column: 1 });
      continue;
    }
    if (!Array.isArray(parsed)) parsed = [parsed];
    for (const doc of parsed) {
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
      if (doc.errors.length > 0) continue;
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

  /** The deepest node on the path, and the key node of the last step when asked. */
  const find = (path: DataPath): { node: Node | null; keyNode?: Node; complete: boolean } => {
    let node: Node | null = doc.contents;
    let keyNode: Node | undefined;
    for (const step of path) {
      if (isMap(node)) {
        // Keys compare as text: `0:` in YAML is the number 0 but the data path says '0'.
        const pair = node.items.find((item) => String(isScalar(item.key) ? item.key.value : item.key) === String(step));
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
