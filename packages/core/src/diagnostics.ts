// Problems in a user's input, reported all at once with where they are and how to fix them.

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  /** Stable code, e.g. `policy.unknown_key`. */
  code: string;
  message: string;
  severity: Severity;
  /** The file the problem is in, when it came from one. */
  file?: string;
  /** 1-based line and column, when known. */
  line?: number;
  column?: number;
  /** Where in the document, as keys and indexes: `['rules', 0, 'match']`. */
  path?: (string | number)[];
  help?: string;
}

/** `file:line:col: code: message`, the format every tool prints. */
export function formatDiagnostic(diagnostic: Diagnostic): string {
  const where = [diagnostic.file ?? '<input>', diagnostic.line, diagnostic.column].filter((part) => part !== undefined).join(':');
  const severity = diagnostic.severity === 'warning' ? 'warning ' : '';
  const help = diagnostic.help === undefined ? '' : ` (${diagnostic.help})`;
  return `${where}: ${severity}${diagnostic.code}: ${diagnostic.message}${help}`;
}

/** Thrown by the throwing entry points (`compilePolicy`) with every diagnostic found. */
export class PolicyError extends Error {
  readonly code = 'policy.invalid';
  constructor(readonly diagnostics: Diagnostic[]) {
    super(
      diagnostics.length === 1
        ? formatDiagnostic(diagnostics[0]!)
        : `policy has ${diagnostics.length} problems:\n${diagnostics.map(formatDiagnostic).join('\n')}`,
    );
    this.name = 'PolicyError';
  }
}
