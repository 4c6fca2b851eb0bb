// Values over time in plain SVG, one bucket per day or hour: lines (or columns) per series. A
// bucket without data is a break in the line under a hatched band, never a point at zero. The SVG
// has a title and a summary, the axes are labelled, and every value is also in a table. It is
// drawn at the width it is given, with margins fitted to its labels, so no label is cut off and
// its text keeps its size on a phone.

import { axisLabel, bucketName, labelledBuckets, type BucketSize } from './buckets.js';
import { clampCentre, fontFor } from './layout.js';
import { axisTop, formatValue, type ValueKind } from './scale.js';
import { textWidth } from './text-width.js';
import { useWidth } from './use-width.js';

export interface TimeSeries {
  name: string;
  /** A class from the stylesheet, so colours stay in one place; each tone also has its own dash. */
  tone: 'a' | 'b' | 'c';
  values: (number | null)[];
}

const HEIGHT = 244;
const RIGHT = 10;
// The y axis's name sits above the plot, where long tick labels cannot run into it.
const TOP = 26;
const BOTTOM = 44;
const PLOT_H = HEIGHT - TOP - BOTTOM;
const TICKS = [0, 0.25, 0.5, 0.75, 1];
/** Space kept between the y tick labels and the plot, and between labels on the x axis. */
const GAP = 8;

const round = (value: number): number => Math.round(value * 10) / 10;

/** Runs of consecutive buckets that have a value: each is drawn as its own piece of line. */
function runs(values: (number | null)[]): number[][] {
  const found: number[][] = [];
  let current: number[] = [];
  values.forEach((value, index) => {
    if (value === null) {
      if (current.length > 0) found.push(current);
      current = [];
    } else current.push(index);
  });
  if (current.length > 0) found.push(current);
  return found;
}

function summary(props: { title: string; bucket: BucketSize; starts: string[]; series: TimeSeries[]; kind: ValueKind }): string {
  const { starts, bucket, kind } = props;
  if (starts.length === 0) return `${props.title}: no ${bucket}s in this window.`;
  const withData = starts.filter((_, index) => props.series.some((series) => series.values[index] !== null)).length;
  const parts = [
    `${props.title} per ${bucket}, ${bucketName(starts[0]!, bucket)} to ${bucketName(starts[starts.length - 1]!, bucket)} (UTC): ` +
      `${withData} of ${starts.length} ${bucket}s have data.`,
  ];
  for (const series of props.series) {
    const known = series.values.flatMap((value, index) => (value === null ? [] : [{ value, index }]));
    if (known.length === 0) {
      parts.push(`${series.name}: no data.`);
      continue;
    }
    const latest = known[known.length - 1]!;
    const low = known.reduce((a, b) => (b.value < a.value ? b : a));
    const high = known.reduce((a, b) => (b.value > a.value ? b : a));
    parts.push(
      `${series.name}: latest ${formatValue(kind, latest.value)} (${bucketName(starts[latest.index]!, bucket)}), ` +
        `lowest ${formatValue(kind, low.value)}, highest ${formatValue(kind, high.value)}.`,
    );
  }
  return parts.join(' ');
}

export function TimeChart(props: {
  id: string;
  title: string;
  /** The bucket start times (ISO), oldest first; each series has one value per bucket. */
  starts: string[];
  bucket: BucketSize;
  series: TimeSeries[];
  kind: ValueKind;
  /** The y axis's name, e.g. "approved, % of decided". */
  axis: string;
  /** A fixed top for the y axis (1 for rates that span 0–100%); otherwise chosen from the data. */
  max?: number;
  mode?: 'line' | 'bar';
}) {
  const { id, starts, bucket, series, kind } = props;
  const [box, WIDTH] = useWidth<HTMLElement>(460);
  const font = fontFor(WIDTH);
  const measure = (text: string): number => textWidth(text, font);
  const mode = props.mode ?? 'line';
  const n = starts.length;
  const largest = Math.max(0, ...series.flatMap((entry) => entry.values.map((value) => value ?? 0)));
  const top = props.max ?? axisTop(kind, largest);
  // The plot starts where the longest tick label ends ("1 min 30 s" needs more room than "0%").
  const LEFT = Math.ceil(Math.max(24, ...TICKS.map((tick) => measure(formatValue(kind, tick * top))))) + GAP;
  const PLOT_W = Math.max(40, WIDTH - LEFT - RIGHT);
  const slot = n === 0 ? PLOT_W : PLOT_W / n;
  const widestDate = Math.max(0, ...starts.map((start) => measure(axisLabel(start, bucket))));
  const labelled = labelledBuckets(starts, bucket, Math.max(2, Math.floor(PLOT_W / (widestDate + 2 * GAP))));
  const xOf = (index: number): number => round(LEFT + (index + 0.5) * slot);
  const yOf = (value: number): number => round(TOP + PLOT_H - (Math.min(value, top) / top) * PLOT_H);
  const empty = starts.map((_, index) => series.every((entry) => entry.values[index] === null));
  const radius = n > 60 ? 1.8 : 2.8;
  const barWidth = (slot * 0.8) / series.length;

  return (
    <figure class="chart time-chart" data-chart={id} data-top={top} ref={box}>
      <figcaption id={`${id}-caption`}>{props.title}</figcaption>
      <div class="legend" aria-hidden="true">
        {series.map((entry) => (
          <span key={entry.name}>
            <span class={`${mode === 'line' ? 'line-swatch' : 'swatch'} tone-${entry.tone}`} /> {entry.name}
          </span>
        ))}
        {empty.some((none) => none) && (
          <span>
            <span class="swatch no-data-swatch" /> no data
          </span>
        )}
      </div>
      <svg
        width={WIDTH}
        height={HEIGHT}
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        font-size={font}
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
      >
        <title id={`${id}-title`}>{props.title}</title>
        <desc id={`${id}-desc`}>{summary({ title: props.title, bucket, starts, series, kind })}</desc>
        <defs>
          <pattern id={`${id}-hatch`} width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
            <line x1="0" y1="0" x2="0" y2="6" class="hatch" />
          </pattern>
        </defs>
        <g class="no-data-bands">
          {starts.map((start, index) =>
            empty[index] ? (
              <rect
                key={start}
                class="no-data"
                x={round(LEFT + index * slot)}
                y={TOP}
                width={round(slot)}
                height={PLOT_H}
                fill={`url(#${id}-hatch)`}
                data-start={start}
              />
            ) : null,
          )}
        </g>
        <g class="y-axis">
          {TICKS.map((tick) => (
            <g key={tick} data-tick={tick * top}>
              <line class="grid" x1={LEFT} x2={LEFT + PLOT_W} y1={yOf(tick * top)} y2={yOf(tick * top)} />
              <text x={LEFT - 6} y={yOf(tick * top)} text-anchor="end" dominant-baseline="middle">
                {formatValue(kind, tick * top)}
              </text>
            </g>
          ))}
          <text class="axis-title" x={0} y={12} font-size={font - 1}>
            {props.axis}
          </text>
        </g>
        <g class="x-axis">
          <line class="axis" x1={LEFT} x2={LEFT + PLOT_W} y1={TOP + PLOT_H} y2={TOP + PLOT_H} />
          {labelled.map((index) => {
            const label = axisLabel(starts[index]!, bucket);
            // The first and last labels move inwards rather than run off the drawing.
            const x = round(clampCentre(xOf(index), measure(label), 0, WIDTH));
            return (
              <g key={starts[index]}>
                <line class="axis" x1={xOf(index)} x2={xOf(index)} y1={TOP + PLOT_H} y2={TOP + PLOT_H + 4} />
                <text x={x} y={TOP + PLOT_H + 16} text-anchor="middle">
                  {label}
                </text>
              </g>
            );
          })}
          <text class="axis-title" x={LEFT + PLOT_W / 2} y={HEIGHT - 6} text-anchor="middle" font-size={font - 1}>
            {bucket === 'day' ? 'day (UTC)' : 'hour (UTC)'}
          </text>
        </g>
        {series.map((entry, s) =>
          mode === 'bar' ? (
            <g key={entry.name} class={`bars tone-${entry.tone}`} data-series={entry.name}>
              {entry.values.map((value, index) => {
                if (value === null) return null;
                const height = value === 0 ? 1 : Math.max(1, TOP + PLOT_H - yOf(value));
                return (
                  <rect
                    key={starts[index]}
                    class={`bar tone-${entry.tone}`}
                    x={round(LEFT + index * slot + slot * 0.1 + s * barWidth)}
                    y={round(TOP + PLOT_H - height)}
                    width={round(Math.max(barWidth - 0.5, 0.5))}
                    height={round(height)}
                    data-start={starts[index]}
                    data-value={value}
                  />
                );
              })}
            </g>
          ) : (
            <g key={entry.name} class={`line tone-${entry.tone}`} data-series={entry.name}>
              <path
                class={`series-line tone-${entry.tone}`}
                d={runs(entry.values)
                  .map((run) => run.map((index, at) => `${at === 0 ? 'M' : 'L'}${xOf(index)} ${yOf(entry.values[index]!)}`).join(' '))
                  .join(' ')}
              />
              {entry.values.map((value, index) =>
                value === null ? null : (
                  <circle
                    key={starts[index]}
                    class={`point tone-${entry.tone}`}
                    cx={xOf(index)}
                    cy={yOf(value)}
                    r={radius}
                    data-start={starts[index]}
                    data-value={value}
                  />
                ),
              )}
            </g>
          ),
        )}
      </svg>
      <details class="chart-numbers">
        <summary>Show the numbers</summary>
        <div class="table-scroll">
          <table class="data">
            <thead>
              <tr>
                <th scope="col">{bucket} (UTC)</th>
                {series.map((entry) => (
                  <th key={entry.name} scope="col">
                    {entry.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {starts.map((start, index) => (
                <tr key={start} data-start={start}>
                  <th scope="row">{bucketName(start, bucket)}</th>
                  {series.map((entry) => (
                    <td key={entry.name} class={entry.values[index] === null ? 'no-data-cell' : undefined}>
                      {formatValue(kind, entry.values[index] ?? null)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
