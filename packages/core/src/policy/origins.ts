// Remembers where each validated rule, exception and step came from, so that checks which run
// after validation (lint) can still point at a file, line and column.

import type { Diagnostic, Severity } from '../diagnostics.js';
import type { DataPath, SourceDocument } from './source.js';

interface Origin {
  source: SourceDocument;
  path: DataPath;
}

const origins = new WeakMap<object, Origin>();

export function recordOrigin(spec: object, source: SourceDocument, path: DataPath): void {
  origins.set(spec, { source, path });
}

/** A diagnostic about `spec`, placed at `spec`'s position (or at its `key`, when given). */
export function diagnosticAt(
  spec: object,
  severity: Severity,
  code: string,
  message: string,
  key?: string | DataPath,
  help?: string,
): Diagnostic {
  const origin = origins.get(spec);
  const diagnostic: Diagnostic = { code, message, severity };
  if (origin !== undefined) {
    const path = key === undefined ? origin.path : origin.path.concat(key);
    const position = origin.source.locate(path, key !== undefined);
    diagnostic.file = origin.source.file;
    diagnostic.path = path;
    if (position !== undefined) {
      diagnostic.line = position.line;
      diagnostic.column = position.column;
    }
  }
  if (help !== undefined) diagnostic.help = help;
  return diagnostic;
}
