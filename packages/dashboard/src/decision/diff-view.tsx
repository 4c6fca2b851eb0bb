// What will change, as a unified or a side-by-side diff with syntax colouring for JSON and code.

import { useState } from 'preact/hooks';
import { diffFiles, splitRows, type DiffFile, type DiffLine, type Language } from '../lib/diff.js';
import { tokens } from '../lib/highlight.js';
import { shown } from '../lib/shown.js';
import { ToggleGroup } from '../ui/toggle-group.js';

const MARK: Record<DiffLine['kind'], string> = { add: '+', del: '−', same: ' ', hunk: '' };

function Code(props: { text: string; language: Language }) {
  return (
    <>
      {tokens(shown(props.text), props.language).map((token, index) =>
        token.kind === 'plain' ? (
          token.text
        ) : (
          <span key={index} class={`tok-${token.kind}`}>
            {token.text}
          </span>
        ),
      )}
    </>
  );
}

function Unified(props: { file: DiffFile }) {
  return (
    <table class="diff unified">
      <tbody>
        {props.file.lines.map((line, index) => (
          <tr key={index} class={`line-${line.kind}`}>
            <td class="num">{line.old ?? ''}</td>
            <td class="num">{line.new ?? ''}</td>
            <td class="mark" aria-label={line.kind === 'add' ? 'added' : line.kind === 'del' ? 'removed' : undefined}>
              {MARK[line.kind]}
            </td>
            <td class="code">
              <Code text={line.text} language={line.kind === 'hunk' ? 'text' : props.file.language} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Split(props: { file: DiffFile }) {
  const cell = (line: DiffLine | null, side: 'old' | 'new') =>
    line === null ? (
      <>
        <td class="num" />
        <td class="code empty-side" />
      </>
    ) : (
      <>
        <td class="num">{line[side] ?? ''}</td>
        <td class={`code line-${line.kind}`}>
          <Code text={line.text} language={line.kind === 'hunk' ? 'text' : props.file.language} />
        </td>
      </>
    );
  return (
    <table class="diff split">
      <thead>
        <tr>
          <th colSpan={2}>Before</th>
          <th colSpan={2}>After</th>
        </tr>
      </thead>
      <tbody>
        {splitRows(props.file.lines).map((row, index) => (
          <tr key={index}>
            {cell(row.left, 'old')}
            {cell(row.right, 'new')}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function DiffView(props: { diff: unknown }) {
  const [mode, setMode] = useState<'unified' | 'split'>('unified');
  const files = diffFiles(props.diff);
  if (files.length === 0) return null;
  const added = files.reduce((sum, file) => sum + file.lines.filter((line) => line.kind === 'add').length, 0);
  const removed = files.reduce((sum, file) => sum + file.lines.filter((line) => line.kind === 'del').length, 0);
  return (
    <div class="diff-view">
      <div class="diff-toolbar">
        <span>
          <span class="added-count">+{added}</span> <span class="removed-count">−{removed}</span> in {files.length}{' '}
          {files.length === 1 ? 'part' : 'parts'}
        </span>
        <ToggleGroup
          label="Diff layout"
          options={
            [
              ['unified', 'Unified'],
              ['split', 'Split'],
            ] as const
          }
          value={mode}
          onChange={setMode}
        />
      </div>
      {files.map((file, index) => (
        <figure key={index} class="diff-file">
          {file.path !== null && <figcaption>{shown(file.path)}</figcaption>}
          <div class="diff-scroll">{mode === 'unified' ? <Unified file={file} /> : <Split file={file} />}</div>
        </figure>
      ))}
    </div>
  );
}
