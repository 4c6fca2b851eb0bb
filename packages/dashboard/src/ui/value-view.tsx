// Shows a JSON value the way a person reads it: fields as a list of names and values, nested
// objects indented, long texts kept as written; hidden characters in names and texts made visible.

import { shown, shownLines } from '../lib/shown.js';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const label = (key: string): string => shown(key).replace(/_/g, ' ');

export function ValueView(props: { value: unknown; depth?: number }) {
  const { value } = props;
  const depth = props.depth ?? 0;
  if (value === null || value === undefined) return <span class="muted">none</span>;
  if (typeof value === 'string')
    return value.includes('\n') ? <pre class="text-block">{shownLines(value)}</pre> : <span>{shown(value)}</span>;
  if (typeof value !== 'object') return <span class="mono">{String(value)}</span>;
  if (depth > 3) return <code class="mono">{shown(value)}</code>;
  if (Array.isArray(value)) {
    if (value.every((item) => typeof item !== 'object' || item === null)) return <span>{value.map(shown).join(', ')}</span>;
    return (
      <ol class="value-list">
        {value.map((item, index) => (
          <li key={index}>
            <ValueView value={item} depth={depth + 1} />
          </li>
        ))}
      </ol>
    );
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return <span class="muted">none</span>;
  return (
    <dl class="fields">
      {entries.map(([key, item]) => (
        <div key={key}>
          <dt>{label(key)}</dt>
          <dd>{isRecord(item) || Array.isArray(item) ? <ValueView value={item} depth={depth + 1} /> : <ValueView value={item} />}</dd>
        </div>
      ))}
    </dl>
  );
}
