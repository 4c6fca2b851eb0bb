// Text from outside Tollgate (the agent, a worker, a person's note) as the page shows it: what was
// sent, with bidi overrides, zero-width and control characters as visible `[U+202E]` marks.

import { visibleText } from '@tollgate/core';
import { text } from './summary.js';

/** Any value as one line of visible text (`—` for none, JSON for objects). */
export function shown(value: unknown): string {
  return visibleText(text(value));
}

/** Text whose line breaks matter (reasoning, a diff, JSON), its lines kept. */
export function shownLines(value: string): string {
  return visibleText(value, { multiline: true });
}
