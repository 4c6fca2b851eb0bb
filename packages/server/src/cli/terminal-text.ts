// Text an agent wrote, made safe to print on a terminal: control characters and escape sequences
// are shown as visible escapes, so a summary cannot recolour, retitle or rewrite the screen.

import { visibleText } from '@tollgate/core';

/** C0 controls, DEL, C1 controls (0x9b is a one-byte CSI) and the bidirectional overrides that reorder what is shown. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_KEEPING_LINES = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** What JSON.stringify leaves unescaped inside strings but a terminal may still act on. */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const escape = (character: string): string => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** One line of someone else's text: every control character, newlines too, shown as `\uXXXX`. */
export function printable(text: unknown): string {
  return String(text ?? '').replace(UNSAFE, (character) => (character === '\t' ? ' ' : escape(character)));
}

/** Several lines of someone else's text (reasoning, a diff): newlines kept, tabs as spaces, the rest escaped. */
export function printableLines(text: unknown): string[] {
  return String(text ?? '')
    .replace(/\r\n/g, '\n')
    .replace(UNSAFE_KEEPING_LINES, (character) => (character === '\t' ? '    ' : escape(character)))
    .split('\n');
}

/** JSON for a terminal: JSON.stringify escapes C0 controls already; C1 controls and overrides are escaped too, still valid JSON. */
export function terminalJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(UNSAFE_IN_JSON, escape);
}

/** Cuts a line to `width` characters, marking the cut. */
export function clip(text: string, width: number): string {
  const characters = [...text];
  return characters.length <= width ? text : `${characters.slice(0, Math.max(0, width - 1)).join('')}…`;
}

/**
 * One line of what an agent (or anyone outside Tollgate) wrote, shown as the dashboard shows it:
 * bidi overrides, zero-width and control characters as `[U+202E]` marks, line breaks as `⏎`;
 * `printable` after it keeps anything a terminal acts on from reaching it whatever it missed.
 */
export function shownText(text: unknown): string {
  return printable(visibleText(String(text ?? '')));
}

/** Several lines of what an agent wrote (reasoning, a diff), the same marks, its line breaks kept. */
export function shownLines(text: unknown): string[] {
  return printableLines(visibleText(String(text ?? ''), { multiline: true }));
}
