// How channels cut and show text they did not write: within the limit, the cut said, nothing
// hidden, no address a mail client would link.
import { describe, expect, it } from 'vitest';
import { clip, defangUrls, shown } from './shown-text.js';

describe('clip', () => {
  it('leaves text within the limit alone', () => {
    expect(clip('refund', 6)).toBe('refund');
  });

  it('cuts to the limit and says how much is missing', () => {
    const text = 'x'.repeat(10_000);
    const cut = clip(text, 3000);
    expect(cut.length).toBeLessThanOrEqual(3000);
    const more = Number(/… \(truncated, (\d+) characters more\)$/.exec(cut)![1]);
    expect(cut.indexOf('…') + more).toBe(10_000);
  });

  it('counts characters, not UTF-16 units, and never splits a pair or a mark', () => {
    const emoji = clip('😀'.repeat(100), 101);
    expect(emoji.length).toBeLessThanOrEqual(101);
    expect(emoji).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    expect(/\((?:truncated), (\d+)/.exec(emoji)![1]).toBe(String(100 - [...emoji.split('…')[0]!].length));
    const marks = clip('[U+202E]'.repeat(20), 60);
    expect(marks).toMatch(/^(\[U\+202E\])+… \(truncated/);
  });

  it('marks a cut with "…" alone where the limit has no room for the note', () => {
    expect(clip('Deny this request right now', 24)).toBe('Deny this request right…');
  });
});

describe('shown', () => {
  it('shows reordering and invisible characters as marks and keeps one line', () => {
    expect(shown('yes\u202Egnigats ot\u202C prоduction', 100)).toBe('yes[U+202E]gnigats ot[U+202C] prоduction');
    expect(shown('a\n\nb\u200b', 100)).toBe('a ⏎  ⏎ b[U+200B]');
  });

  it('cuts after the marks are made, so the limit holds for what is shown', () => {
    expect(shown('\u202E'.repeat(100), 100).length).toBeLessThanOrEqual(100);
  });
});

describe('defangUrls', () => {
  it('makes addresses unclickable, visibly', () => {
    expect(defangUrls('see http://evil.example/x and HTTPS://a.b, www.evil.example')).toBe(
      'see http[:]//evil.example/x and HTTPS[:]//a.b, www[.]evil.example',
    );
  });
});
