import { describe, expect, it } from 'vitest';
import { visibleText } from './visible-text.js';

describe('visibleText', () => {
  it('leaves ordinary text alone', () => {
    expect(visibleText('Refund $5.00 to customer #1182 — déjà vu, 日本')).toBe('Refund $5.00 to customer #1182 — déjà vu, 日本');
  });

  it('shows a right-to-left override instead of letting it reverse the text', () => {
    expect(visibleText('yes\u202Egnigats ot\u202C prоduction')).toBe('yes[U+202E]gnigats ot[U+202C] prоduction');
  });

  it('shows zero-width, soft hyphen, tag and control characters', () => {
    expect(visibleText('drop\u200b_database\u00ad\u{E0041}\u0007')).toBe('drop[U+200B]_database[U+00AD][U+E0041][U+0007]');
  });

  it('keeps one line on one line unless line breaks are wanted', () => {
    expect(visibleText('a\n\n\nRisk: low\r\nb')).toBe('a ⏎  ⏎  ⏎ Risk: low ⏎ b');
    expect(visibleText('a\r\nb\u2028c\td', { multiline: true })).toBe('a\nb\nc\td');
  });

  it('keeps the joiner inside an emoji sequence', () => {
    expect(visibleText('👨\u200d👩\u200d👧 ok\u200d')).toBe('👨\u200d👩\u200d👧 ok[U+200D]');
  });
});
