// Shared by the bench sections: percentiles are nearest-rank over an ascending list, so p99 is a latency measured.
import { readFileSync } from "node:fs";

/** The nearest-rank p-th percentile of ascending `sorted`; NaN for an empty list. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/**
 * The share of CPU time the hypervisor gave to other machines since `from` (Linux's steal time, /proc/stat), in
 * percent; NaN where there is no /proc/stat. The same code measures very differently on a virtual machine whose host
 * is busy, and this says when that was so.
 */
export function stealPercent(from: number[]): number {
  const now = cpuTicks();
  const spent = now.map((t, i) => t - (from[i] ?? 0));
  const total = spent.reduce((a, b) => a + b, 0);
  return total > 0 ? Math.round(((spent[7] ?? 0) / total) * 1000) / 10 : Number.NaN;
}

/** The machine's CPU time so far by kind (user, nice, system, idle, iowait, irq, softirq, steal, …), in ticks. */
export function cpuTicks(): number[] {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    return line.trim().split(/\s+/).slice(1).map(Number);
  } catch {
    return [];
  }
}
