// Time buckets as people read them: labels in UTC (the server's buckets are UTC days and
// hours), and which buckets get a label on the axis so the labels never crowd.

export type BucketSize = 'day' | 'hour';

const date = (at: Date): string => at.toLocaleDateString('en', { month: 'short', day: 'numeric', timeZone: 'UTC' });
const clock = (at: Date): string => `${String(at.getUTCHours()).padStart(2, '0')}:00`;

/** The full name of a bucket, for the table and the summary: "Nov 23" or "Nov 23 14:00". */
export function bucketName(start: string, size: BucketSize): string {
  const at = new Date(start);
  return size === 'day' ? date(at) : `${date(at)} ${clock(at)}`;
}

/** The short axis label: the date for days and for the first hour of a day, else the hour. */
export function axisLabel(start: string, size: BucketSize): string {
  const at = new Date(start);
  return size === 'day' || at.getUTCHours() === 0 ? date(at) : clock(at);
}

const DAY_STEPS = [1, 2, 7, 14, 28];
const HOUR_STEPS = [1, 2, 3, 6, 12, 24];

/**
 * Indexes of the buckets labelled on the axis, about `most` (seven by default, fewer where the
 * chart is narrow): every n-th day counted back from the latest, so the newest day always has its
 * label; hours on round hours (midnight every day).
 */
export function labelledBuckets(starts: string[], size: BucketSize, most = 7): number[] {
  const steps = size === 'day' ? DAY_STEPS : HOUR_STEPS;
  const step = steps.find((candidate) => starts.length / candidate <= most) ?? steps[steps.length - 1]!;
  return starts.flatMap((start, index) => {
    const due = size === 'day' ? (starts.length - 1 - index) % step === 0 : new Date(start).getUTCHours() % step === 0;
    return due ? [index] : [];
  });
}
