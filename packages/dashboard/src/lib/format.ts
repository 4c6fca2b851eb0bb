// Numbers as people read them on the oversight page.
import { duration } from './time.js';

export const percent = (value: number | null): string => (value === null ? 'no data' : `${Math.round(value * 1000) / 10}%`);
export const ms = (value: number | null): string =>
  value === null ? 'no data' : value < 1000 ? `${Math.round(value)} ms` : duration(value);
export const perDay = (value: number | null): string => (value === null ? 'no data' : `${Math.round(value * 10) / 10}/day`);
