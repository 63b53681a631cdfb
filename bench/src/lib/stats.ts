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

/**
 * Milliseconds on the machine's monotonic clock (CLOCK_MONOTONIC, since boot) with sub-millisecond
 * resolution: the same clock in every process, so a time taken in one process (the loader's
 * commit) and one taken in another (a verifier's apply) can be subtracted. Not an epoch time.
 * `performance.timeOrigin + performance.now()` is not: each process anchors it to the wall clock
 * once, when it starts, so a wall-clock step between two starts (NTP after boot) shifts one
 * process's times against another's.
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * The wall clock (CLOCK_REALTIME, epoch ms) minus {@link nowMs}, to a few µs: taken at the moment
 * `Date.now()` ticks to its next millisecond (spins up to 1 ms). Converts a time from another
 * clock on this machine (Postgres' `clock_timestamp()`) into {@link nowMs}; take it close to the
 * times it converts (the wall clock may be slewed).
 */
export function wallClockOffsetMs(): number {
  const before = Date.now();
  let tick = before;
  while (tick === before) tick = Date.now();
  return tick - nowMs();
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
