// Oversight metrics, time series, warnings and policy simulation: pure math over facts the server reads.

export { percentile, percentiles, rate } from './stats.js';
export type { Percentiles } from './stats.js';
export { bucketOf, histogramPercentiles } from './histogram.js';
export type { Histogram } from './histogram.js';
export { gateOf, approvalGroupOf } from './gate.js';
export { cellsFromRows, mergeCells, emptyCells, QUICK_DECISION_MS } from './facts.js';
export type * from './facts.js';
export { computeMetrics } from './aggregate.js';
export { askingFigures } from './asking.js';
export type * from './asking.js';
export {
  HOUR_MS,
  emptyTally,
  mergeTally,
  subjectKey,
  subjectOfKey,
  seriesFromRows,
  seriesFigures,
  encodeDay,
  decodeDay,
} from './series.js';
export type * from './series.js';
export type * from './aggregate.js';
export { findWarnings, findRecommendations, DEFAULT_THRESHOLDS } from './warnings.js';
export type * from './warnings.js';
export { SimulationTally, daysBetween } from './simulation.js';
export type * from './simulation.js';
