// Inputs for the fields an approver may change, one per modifiable field, showing its bounds.
// Bounds are shown, not enforced here: the server is the judge and its refusal is shown as said.

import type { FieldBounds } from '../api/types.js';
import { text } from '../lib/summary.js';

export function boundsText(bounds: FieldBounds): string {
  const parts: string[] = [];
  if (bounds.min !== undefined && bounds.max !== undefined) parts.push(`from ${bounds.min} to ${bounds.max}`);
  else if (bounds.min !== undefined) parts.push(`at least ${bounds.min}`);
  else if (bounds.max !== undefined) parts.push(`at most ${bounds.max}`);
  if (bounds.values !== undefined) parts.push(`one of ${bounds.values.map(text).join(', ')}`);
  if (bounds.pattern !== undefined) parts.push(`matching ${bounds.pattern}`);
  return parts.length === 0 ? 'any value' : parts.join('; ');
}

export function isNumeric(bounds: FieldBounds, current: unknown): boolean {
  return bounds.min !== undefined || bounds.max !== undefined || typeof current === 'number';
}

export function ModifyFields(props: {
  modifiable: Record<string, FieldBounds>;
  action: Record<string, unknown>;
  values: Record<string, string>;
  onChange: (field: string, value: string) => void;
}) {
  return (
    <>
      {Object.entries(props.modifiable).map(([field, bounds]) => {
        const id = `modify-${field}`;
        const hint = `${id}-hint`;
        const current = props.action[field];
        return (
          <div key={field} class="field">
            <label for={id}>{field.replace(/_/g, ' ')}</label>
            {bounds.values !== undefined ? (
              <select
                id={id}
                aria-describedby={hint}
                value={props.values[field]}
                onChange={(e) => props.onChange(field, e.currentTarget.value)}
              >
                {bounds.values.map((value) => (
                  <option key={text(value)} value={text(value)}>
                    {text(value)}
                  </option>
                ))}
              </select>
            ) : isNumeric(bounds, current) ? (
              <input
                id={id}
                aria-describedby={hint}
                type="number"
                inputMode="decimal"
                min={bounds.min}
                max={bounds.max}
                value={props.values[field]}
                onInput={(e) => props.onChange(field, e.currentTarget.value)}
              />
            ) : (
              <input
                id={id}
                aria-describedby={hint}
                type="text"
                value={props.values[field]}
                onInput={(e) => props.onChange(field, e.currentTarget.value)}
              />
            )}
            <small id={hint} class="muted">
              now {text(current)}; allowed: {boundsText(bounds)}
            </small>
          </div>
        );
      })}
    </>
  );
}

/** The changed fields as the values the action holds (numbers stay numbers), or an error to show. */
export function modificationsFrom(
  modifiable: Record<string, FieldBounds>,
  action: Record<string, unknown>,
  values: Record<string, string>,
): { changes: Record<string, unknown> } | { error: string } {
  const changes: Record<string, unknown> = {};
  for (const [field, bounds] of Object.entries(modifiable)) {
    const raw = (values[field] ?? '').trim();
    const current = action[field];
    if (raw === text(current)) continue;
    if (raw === '') return { error: `enter a value for ${field} or leave it as it was` };
    if (bounds.values !== undefined) {
      changes[field] = bounds.values.find((value) => text(value) === raw) ?? raw;
    } else if (isNumeric(bounds, current)) {
      const number = Number(raw);
      if (!Number.isFinite(number)) return { error: `${field} must be a number, not \`${raw}\`` };
      changes[field] = number;
    } else changes[field] = raw;
  }
  if (Object.keys(changes).length === 0) return { error: 'change at least one field, or use Approve' };
  return { changes };
}
