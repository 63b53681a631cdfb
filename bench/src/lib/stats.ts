/** Median of `xs` (NaN when empty). */
export function median(xs: readonly number[]): number {
  return percentile(xs, 50);
}

/** Nearest-rank percentile `p` (0–100) of `xs` (NaN when empty). */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Largest value (NaN when empty). */
export function max(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : Math.max(...xs);
}

/** Wall-clock epoch time in milliseconds with sub-millisecond resolution, comparable across processes. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Formats a number for the report: integers with thin grouping, small values with 2–3 significant digits. */
export function fmt(n: number, digits = 2): string {
  if (!Number.isFinite(n)) return 'n/a';
  const abs = Math.abs(n);
  if (abs >= 1000) return Math.round(n).toLocaleString('en-US');
  if (abs >= 100) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(Math.max(0, digits - 1));
  return n.toFixed(digits);
}

/** Sleeps `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Field-wise medians of records with the same numeric fields (e.g. one load result per run). */
export function fieldMedians<T extends object>(items: readonly T[]): T {
  const first = items[0];
  if (!first) throw new Error('fieldMedians: no items');
  const keys = Object.keys(first) as (keyof T)[];
  return Object.fromEntries(keys.map((k) => [k, median(items.map((item) => Number(item[k])))])) as T;
}
