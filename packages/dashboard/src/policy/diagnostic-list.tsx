// Policy problems as the CLI prints them: `file:line:col: code: message`, errors before warnings.

export interface Diagnostic {
  code: string;
  message: string;
  severity?: string;
  file?: string;
  line?: number;
  column?: number;
  help?: string;
}

function where(diagnostic: Diagnostic): string {
  const parts = [diagnostic.file, diagnostic.line, diagnostic.column].filter((part) => part !== undefined);
  return parts.length === 0 ? '' : `${parts.join(':')}: `;
}

export function DiagnosticList(props: { diagnostics: Diagnostic[] }) {
  const sorted = [...props.diagnostics].sort((a, b) => (a.severity === 'error' ? 0 : 1) - (b.severity === 'error' ? 0 : 1));
  return (
    <ul class="diagnostics">
      {sorted.map((diagnostic, index) => (
        <li key={index} class={diagnostic.severity === 'warning' ? 'warning' : 'error'}>
          <code>
            {where(diagnostic)}
            {diagnostic.code}
          </code>
          : {diagnostic.message}
          {diagnostic.help !== undefined && <div class="muted small">{diagnostic.help}</div>}
        </li>
      ))}
    </ul>
  );
}
