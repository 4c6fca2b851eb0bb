// Horizontal grouped bars in plain SVG: one row per label, one bar per series, each bar labelled
// with its value ("no data", and no bar, where nothing was measured: a zero gets a sliver and
// its number), and the numbers also in a table for screen readers. Drawn at the width it is
// given, so its text keeps its size on a phone; long row labels are shortened to a part that
// still tells them apart, with the full name as the row's tooltip.

import { fitLabels, fontFor } from './layout.js';
import { textWidth } from './text-width.js';
import { useWidth } from './use-width.js';

export interface Series {
  name: string;
  /** A class from the stylesheet, so colours stay in one place. */
  tone: 'a' | 'b' | 'c';
}

export interface BarRow {
  label: string;
  values: (number | null)[];
}

const BAR_GAP = 2;
/** The row labels take at most this share of the width; the bars and their numbers get the rest. */
const LABEL_SHARE = 0.4;
const GUTTER = 8;

export function BarChart(props: {
  id: string;
  title: string;
  series: Series[];
  rows: BarRow[];
  format: (value: number) => string;
  max?: number;
}) {
  const { series, rows } = props;
  const [box, width] = useWidth<HTMLElement>(460);
  const font = fontFor(width);
  const measure = (text: string): number => textWidth(text, font);
  // Rows grow with the series so every bar stays thick enough to see and its number to read.
  const ROW = series.length === 1 ? font + 17 : series.length * (font + 2) + 10;
  const barHeight = (ROW - 8 - BAR_GAP * (series.length - 1)) / series.length;
  const max = props.max ?? Math.max(0, ...rows.flatMap((row) => row.values.map((value) => value ?? 0)));
  const numbers = rows.flatMap((row) => row.values.map((value) => (value === null ? 'no data' : props.format(value))));
  const valueRoom = Math.max(0, ...numbers.map(measure)) + GUTTER;
  const labelRoom = Math.min(Math.max(0, ...rows.map((row) => measure(row.label))), Math.round(width * LABEL_SHARE));
  const labels = fitLabels(
    rows.map((row) => row.label),
    labelRoom,
    measure,
  );
  const barX = labelRoom + GUTTER;
  const barRoom = Math.max(8, width - barX - valueRoom);
  const scale = (value: number): number => (max <= 0 ? 0 : (Math.min(value, max) / max) * barRoom);
  const height = rows.length * ROW + 24;
  return (
    <figure class="chart" data-chart={props.id} ref={box}>
      <figcaption id={`${props.id}-title`}>{props.title}</figcaption>
      {series.length > 1 && (
        <div class="legend" aria-hidden="true">
          {series.map((entry) => (
            <span key={entry.name}>
              <span class={`swatch tone-${entry.tone}`} /> {entry.name}
            </span>
          ))}
        </div>
      )}
      <svg
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        font-size={font}
        role="img"
        aria-labelledby={`${props.id}-title`}
      >
        {rows.map((row, r) => (
          <g key={row.label} transform={`translate(0 ${r * ROW + 4})`} data-row={row.label}>
            <title>{row.label}</title>
            <text class="row-label" x={labelRoom} y={ROW / 2} text-anchor="end" dominant-baseline="middle">
              {labels[r]}
            </text>
            {row.values.map((value, s) => {
              const y = s * (barHeight + BAR_GAP);
              const barWidth = value === null ? 0 : Math.max(1, scale(value));
              return (
                <g key={s}>
                  <rect
                    class={`bar tone-${series[s]!.tone}`}
                    x={barX}
                    y={y}
                    width={barWidth}
                    height={barHeight}
                    data-series={series[s]!.name}
                    data-value={value === null ? 'none' : String(value)}
                  />
                  <text
                    x={barX + barWidth + 4}
                    y={y + barHeight / 2}
                    dominant-baseline="middle"
                    class={value === null ? 'bar-label no-data' : 'bar-label'}
                  >
                    {value === null ? 'no data' : props.format(value)}
                  </text>
                </g>
              );
            })}
          </g>
        ))}
      </svg>
      <details class="chart-numbers">
        <summary>Show the numbers</summary>
        <table class="data">
          <thead>
            <tr>
              <th scope="col" />
              {series.map((entry) => (
                <th key={entry.name} scope="col">
                  {entry.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.label}>
                <th scope="row">{row.label}</th>
                {row.values.map((value, s) => (
                  <td key={s}>{value === null ? 'no data' : props.format(value)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
