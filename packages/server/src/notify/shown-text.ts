// Text as the channels show it: hidden and reordering characters made visible (visibleText), then
// cut to a vendor's limit with the cut said out loud, so nobody reads a shortened value as whole.

import { visibleText } from '@tollgate/core';

/**
 * The most of each part of a request a message shows; a vendor's own limits apply on top. The
 * dashboard shows all of it.
 */
export const SHOWN = {
  title: 200,
  label: 80,
  value: 300,
  warning: 400,
  /** Warnings listed; more are counted. */
  warnings: 5,
  summary: 1500,
  reasoning: 900,
  criteria: 1000,
} as const;

/** Below this a limit has no room for the note; the cut is only marked with "…". */
const ROOM_FOR_NOTE = 48;

const note = (more: number) => `… (truncated, ${more} characters more)`;

function codePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0xd800 || code > 0xdbff) count++;
  }
  return count;
}

/**
 * `text` within `max` UTF-16 units (the strictest way vendors count), the cut marked with how
 * much is missing. Never splits a surrogate pair or a `[U+202E]` mark.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = max >= ROOM_FOR_NOTE ? max - note(text.length).length : max - 1;
  let kept = text.slice(0, Math.max(0, room));
  const last = kept.charCodeAt(kept.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) kept = kept.slice(0, -1);
  // Half a mark (`[U+20`) reads as something else; a cut text loses its last `[` at worst.
  kept = kept.replace(/\[(?:U(?:\+[0-9A-F]{0,6})?)?$/, '');
  return max >= ROOM_FOR_NOTE ? `${kept}${note(codePoints(text.slice(kept.length)))}` : `${kept}…`;
}

/** What a channel shows of text it did not write: visible characters, on one line unless `multiline`, within `max`. */
export function shown(text: string, max: number, options: { multiline?: boolean } = {}): string {
  return clip(visibleText(text, options), max);
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * Addresses in text Tollgate did not write, made unclickable for mail clients that link any
 * address they see: `http://evil.example` reads `http[:]//evil.example`, `www.x` reads `www[.]x`.
 */
export function defangUrls(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*):\/\//gi, '$1[:]//').replace(/\bwww\./gi, (match) => `${match.slice(0, 3)}[.]`);
}
