// Shared by the bench sections: percentiles are nearest-rank over an ascending list, so p99 is a latency measured.

/** The nearest-rank p-th percentile of ascending `sorted`; NaN for an empty list. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}
