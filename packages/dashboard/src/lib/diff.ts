// Turns what an agent sent as `context.diff` into files of diff lines: a unified diff text, a
// `{ path?, before, after }` pair (texts or JSON values), a list of such pairs, or a map of
// fields to `{ from, to }`. Pure, so the views and the tests share it.

export type Language = 'json' | 'code' | 'text';

export interface DiffLine {
  kind: 'add' | 'del' | 'same' | 'hunk';
  old: number | null;
  new: number | null;
  text: string;
}

export interface DiffFile {
  path: string | null;
  language: Language;
  lines: DiffLine[];
}

const CODE =
  /\.(ts|tsx|js|jsx|mjs|cjs|py|go|rs|java|kt|rb|php|c|h|cc|cpp|cs|swift|sh|bash|sql|yaml|yml|toml|tf|hcl|css|html|xml|ini|conf|dockerfile)$/i;
/** Beyond this many lines a side the quadratic line match is skipped: a whole-file replace is shown. */
const MAX_MATCH_LINES = 3000;

export function languageOf(path: string | null, sample?: string): Language {
  if (path !== null && /\.json$/i.test(path)) return 'json';
  if (path !== null && (CODE.test(path) || /(^|\/)Dockerfile$/.test(path))) return 'code';
  if (sample !== undefined && /^\s*[{[]/.test(sample)) {
    try {
      JSON.parse(sample);
      return 'json';
    } catch {
      return 'text';
    }
  }
  return 'text';
}

const asText = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value, null, 2) ?? String(value)));
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function diffFiles(value: unknown): DiffFile[] {
  if (value === null || value === undefined) return [];
  if (typeof value === 'string') return parseUnified(value);
  if (Array.isArray(value)) return value.flatMap((entry) => diffFiles(entry));
  if (!isRecord(value)) return [{ path: null, language: 'text', lines: sameLines(String(value)) }];
  if (Array.isArray(value.files)) return diffFiles(value.files);
  const path = typeof value.path === 'string' ? value.path : typeof value.file === 'string' ? value.file : null;
  if ('before' in value || 'after' in value) return [pairFile(path, value.before, value.after)];
  if (typeof value.diff === 'string' || typeof value.patch === 'string') {
    return parseUnified(String(value.diff ?? value.patch)).map((file) => ({ ...file, path: file.path ?? path }));
  }
  const fields = Object.entries(value);
  if (fields.length > 0 && fields.every(([, change]) => isRecord(change) && ('from' in change || 'to' in change))) {
    const before = Object.fromEntries(fields.map(([key, change]) => [key, (change as Record<string, unknown>).from]));
    const after = Object.fromEntries(fields.map(([key, change]) => [key, (change as Record<string, unknown>).to]));
    return [pairFile(null, before, after)];
  }
  return [{ path, language: 'json', lines: sameLines(asText(value)) }];
}

function pairFile(path: string | null, before: unknown, after: unknown): DiffFile {
  const oldText = before === undefined || before === null ? '' : asText(before);
  const newText = after === undefined || after === null ? '' : asText(after);
  const structured = (before !== undefined && typeof before !== 'string') || (after !== undefined && typeof after !== 'string');
  return { path, language: structured ? 'json' : languageOf(path, newText || oldText), lines: lineDiff(oldText, newText) };
}

function sameLines(text: string): DiffLine[] {
  return text.split('\n').map((line, index) => ({ kind: 'same', old: index + 1, new: index + 1, text: line }));
}

/** The longest common subsequence of lines, walked into deletions, additions and unchanged lines. */
export function lineDiff(oldText: string, newText: string): DiffLine[] {
  const a = oldText === '' ? [] : oldText.split('\n');
  const b = newText === '' ? [] : newText.split('\n');
  if (a.length > MAX_MATCH_LINES || b.length > MAX_MATCH_LINES) {
    return [
      ...a.map((text, i): DiffLine => ({ kind: 'del', old: i + 1, new: null, text })),
      ...b.map((text, i): DiffLine => ({ kind: 'add', old: null, new: i + 1, text })),
    ];
  }
  const width = b.length + 1;
  const table = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      table[i * width + j] =
        a[i] === b[j] ? table[(i + 1) * width + j + 1]! + 1 : Math.max(table[(i + 1) * width + j]!, table[i * width + j + 1]!);
  const lines: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      lines.push({ kind: 'same', old: i + 1, new: j + 1, text: a[i]! });
      i++;
      j++;
    } else if (i < a.length && (j === b.length || table[(i + 1) * width + j]! >= table[i * width + j + 1]!)) {
      // Removals before additions, as `diff -u` prints them.
      lines.push({ kind: 'del', old: i + 1, new: null, text: a[i]! });
      i++;
    } else {
      lines.push({ kind: 'add', old: null, new: j + 1, text: b[j]! });
      j++;
    }
  }
  return lines;
}

/** A unified diff (as `git diff` or `diff -u` print it), or bare `+`/`-` lines. */
export function parseUnified(text: string): DiffFile[] {
  const files: DiffFile[] = [];
  let file: DiffFile | undefined;
  let oldLine = 1;
  let newLine = 1;
  const open = (path: string | null): DiffFile => {
    file = { path, language: languageOf(path), lines: [] };
    files.push(file);
    oldLine = 1;
    newLine = 1;
    return file;
  };
  const raw = text.replace(/\r\n/g, '\n').split('\n');
  if (raw.at(-1) === '') raw.pop();
  for (const line of raw) {
    if (line.startsWith('diff --git ') || line.startsWith('index ') || line.startsWith('--- ') || line.startsWith('\\ ')) continue;
    if (line.startsWith('+++ ')) {
      open(line.slice(4).replace(/^b\//, '').trim());
      continue;
    }
    const current = file ?? open(null);
    const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (hunk !== null) {
      oldLine = Number(hunk[1]);
      newLine = Number(hunk[2]);
      current.lines.push({ kind: 'hunk', old: null, new: null, text: line });
    } else if (line.startsWith('+')) {
      current.lines.push({ kind: 'add', old: null, new: newLine++, text: line.slice(1) });
    } else if (line.startsWith('-')) {
      current.lines.push({ kind: 'del', old: oldLine++, new: null, text: line.slice(1) });
    } else {
      current.lines.push({ kind: 'same', old: oldLine++, new: newLine++, text: line.startsWith(' ') ? line.slice(1) : line });
    }
  }
  for (const found of files) {
    if (found.language === 'text') found.language = languageOf(found.path, found.lines.map((l) => l.text).join('\n'));
  }
  return files;
}

export interface SplitRow {
  left: DiffLine | null;
  right: DiffLine | null;
}

/** Side-by-side rows: a run of deletions is paired with the additions that follow it. */
export function splitRows(lines: DiffLine[]): SplitRow[] {
  const rows: SplitRow[] = [];
  let index = 0;
  while (index < lines.length) {
    const line = lines[index]!;
    if (line.kind === 'del' || line.kind === 'add') {
      const dels: DiffLine[] = [];
      const adds: DiffLine[] = [];
      while (index < lines.length && lines[index]!.kind === 'del') dels.push(lines[index++]!);
      while (index < lines.length && lines[index]!.kind === 'add') adds.push(lines[index++]!);
      for (let k = 0; k < Math.max(dels.length, adds.length); k++) rows.push({ left: dels[k] ?? null, right: adds[k] ?? null });
    } else {
      rows.push({ left: line, right: line });
      index++;
    }
  }
  return rows;
}
