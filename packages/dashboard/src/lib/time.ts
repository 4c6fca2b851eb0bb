// Human time: how long is left until a deadline, how long ago something happened.

const UNITS: [number, string][] = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'min'],
  [1000, 's'],
];

/** "2 h 5 min" for a duration: the two largest units, enough to judge urgency at a glance. */
export function duration(ms: number): string {
  const parts: string[] = [];
  let rest = Math.max(0, Math.floor(ms));
  for (const [size, unit] of UNITS) {
    if (rest >= size || (parts.length === 0 && size === 1000)) {
      parts.push(`${Math.floor(rest / size)} ${unit}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

export function timeLeft(deadline: string | null | undefined, now: number): { text: string; overdue: boolean; urgent: boolean } {
  if (deadline === null || deadline === undefined) return { text: 'no deadline', overdue: false, urgent: false };
  const left = Date.parse(deadline) - now;
  if (left <= 0) return { text: `overdue by ${duration(-left)}`, overdue: true, urgent: true };
  return { text: `${duration(left)} left`, overdue: false, urgent: left < 15 * 60_000 };
}

export function ago(at: string, now: number): string {
  const ms = now - Date.parse(at);
  return ms < 1000 ? 'just now' : `${duration(ms)} ago`;
}

export function formatTime(at: string | null | undefined): string {
  if (at === null || at === undefined) return '—';
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? at : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
