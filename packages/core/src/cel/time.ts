// Parsing for `duration()` and `timestamp()`. Both yield plain numbers of milliseconds (timestamps
// since the Unix epoch, UTC) so they compare and add with ordinary arithmetic; no clock is read.
import type { Span } from './ast.js';
import { invalidArgument, quote } from './errors.js';

/** Units in nanoseconds: summing whole nanoseconds avoids fractions such as 1e-6 that binary cannot hold. */
const UNIT_NS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  '\u00b5s': 1e3,
  '\u03bcs': 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go duration syntax, as CEL uses: `4h`, `1h30m`, `-1.5s`, `300ms`, `0`. */
export function parseDuration(text: string, span: Span): number {
  const bad = () => invalidArgument(`invalid duration ${quote(text)}`, span);
  let i = 0;
  let sign = 1;
  if (text[i] === '-' || text[i] === '+') {
    if (text[i] === '-') sign = -1;
    i++;
  }
  if (text.slice(i) === '0') return 0;
  if (i === text.length) throw bad();
  let total = 0;
  while (i < text.length) {
    const num = /^(?:\d+(?:\.\d*)?|\.\d+)/.exec(text.slice(i));
    if (num === null) throw bad();
    i += num[0].length;
    const unit = /^[a-z\u00b5\u03bc]+/.exec(text.slice(i));
    const scale = unit === null ? undefined : UNIT_NS[unit[0]];
    if (unit === null || scale === undefined) throw bad();
    i += unit[0].length;
    total += Number(num[0]) * scale;
  }
  return (sign * total) / 1e6;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** RFC 3339 timestamp, e.g. `2026-01-01T00:00:00Z` or `2026-01-01T09:30:00.5+02:00`. */
export function parseTimestamp(text: string, span: Span): number {
  const m = RFC3339.exec(text);
  const bad = () => invalidArgument(`invalid timestamp ${quote(text)}`, span);
  if (m === null) throw bad();
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const offsetHours = m[9] === undefined ? 0 : Number(m[9]);
  const offsetMinutes = m[10] === undefined ? 0 : Number(m[10]);
  if (
    year < 1 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    offsetHours > 23 ||
    offsetMinutes > 59
  ) {
    throw bad();
  }
  const fraction = m[7] === undefined ? 0 : Number(`0.${m[7]}`) * 1000;
  const offset = (m[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  const days = daysFromCivil(year, month, day);
  return days * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + fraction - offset;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's algorithm). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}
