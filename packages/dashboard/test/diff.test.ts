// The diff model behind the decision page: unified text, before/after pairs, field maps, and the
// pairing of removals with additions in the split view.

import { describe, expect, it } from 'vitest';
import { diffFiles, lineDiff, parseUnified, splitRows } from '../src/lib/diff.js';
import { tokens } from '../src/lib/highlight.js';

describe('diff model', () => {
  it('reads a unified diff with its file name, hunk and line numbers', () => {
    const [file] = parseUnified(
      [
        'diff --git a/app.ts b/app.ts',
        '--- a/app.ts',
        '+++ b/app.ts',
        '@@ -10,2 +10,2 @@',
        ' const a = 1;',
        '-const b = 2;',
        '+const b = 3;',
      ].join('\n'),
    );
    expect(file).toMatchObject({ path: 'app.ts', language: 'code' });
    expect(file!.lines.map((line) => [line.kind, line.old, line.new, line.text])).toEqual([
      ['hunk', null, null, '@@ -10,2 +10,2 @@'],
      ['same', 10, 10, 'const a = 1;'],
      ['del', 11, null, 'const b = 2;'],
      ['add', null, 11, 'const b = 3;'],
    ]);
  });

  it('diffs a before/after pair of JSON values line by line, removals first', () => {
    const [file] = diffFiles({ path: 'deploy.json', before: { image: 'v1', replicas: 2 }, after: { image: 'v2', replicas: 2 } });
    expect(file!.language).toBe('json');
    expect(file!.lines.filter((line) => line.kind !== 'same').map((line) => `${line.kind} ${line.text.trim()}`)).toEqual([
      'del "image": "v1",',
      'add "image": "v2",',
    ]);
  });

  it('turns a map of fields to {from, to} into a JSON diff', () => {
    const [file] = diffFiles({ replicas: { from: 3, to: 8 } });
    expect(file!.lines.map((line) => line.kind)).toEqual(['same', 'del', 'add', 'same']);
  });

  it('pairs each run of removals with the additions after it for the split view', () => {
    const rows = splitRows(lineDiff('a\nb\nc', 'a\nB\nC\nD'));
    expect(rows.map((row) => [row.left?.text ?? null, row.right?.text ?? null])).toEqual([
      ['a', 'a'],
      ['b', 'B'],
      ['c', 'C'],
      [null, 'D'],
    ]);
  });

  it('colours JSON keys apart from string values', () => {
    expect(tokens('  "image": "v2",', 'json').filter((token) => token.kind !== 'plain')).toEqual([
      { kind: 'key', text: '"image"' },
      { kind: 'string', text: '"v2"' },
    ]);
  });
});
