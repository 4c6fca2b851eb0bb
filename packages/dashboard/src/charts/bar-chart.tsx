// Horizontal grouped bars in plain SVG: one row per label, one bar per series, each bar labelled
// with its value ("no data", and no bar, where nothing was measured: a zero gets a sliver and
// its number), and the numbers also in a table for screen readers.

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
const LABEL_WIDTH = 150;
// A narrow drawing keeps the labels legible when a phone scales the chart down to its width.
const WIDTH = 460;

export function BarChart(props: {
  id: string;
  title: string;
  series: Series[];
  rows: BarRow[];
  format: (value: number) => string;
  max?: number;
}) {
  const { series, rows } = props;
  // Rows grow with the series so every bar stays thick enough to see and to label.
  const ROW = series.length === 1 ? 30 : series.length * 13 + 10;
  const barHeight = (ROW - 8 - BAR_GAP * (series.length - 1)) / series.length;
  const max = props.max ?? Math.max(0, ...rows.flatMap((row) => row.values.map((value) => value ?? 0)));
  const scale = (value: number): number => (max <= 0 ? 0 : (value / max) * (WIDTH - LABEL_WIDTH - 64));
  const height = rows.length * ROW + 24;
  return (
    <figure class="chart" data-chart={props.id}>
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
      <svg viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-labelledby={`${props.id}-title`}>
        {rows.map((row, r) => (
          <g key={row.label} transform={`translate(0 ${r * ROW + 4})`} data-row={row.label}>
            <text x={LABEL_WIDTH - 8} y={ROW / 2} text-anchor="end" dominant-baseline="middle">
              {row.label.length > 19 ? `${row.label.slice(0, 18)}…` : row.label}
            </text>
            {row.values.map((value, s) => {
              const y = s * (barHeight + BAR_GAP);
              const width = value === null ? 0 : Math.max(1, scale(value));
              return (
                <g key={s}>
                  <rect
                    class={`bar tone-${series[s]!.tone}`}
                    x={LABEL_WIDTH}
                    y={y}
                    width={width}
                    height={barHeight}
                    data-series={series[s]!.name}
                    data-value={value === null ? 'none' : String(value)}
                  />
                  <text
                    x={LABEL_WIDTH + width + 4}
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
