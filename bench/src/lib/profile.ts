/** How much of each benchmark to run: `full` for BENCHMARKS.md, `smoke` for `npm test`. */
export interface Profile {
  name: 'full' | 'smoke';
  /** Repetitions of every side-by-side measurement; the report shows medians. */
  runs: number;
  /** Duration of one time-bounded HTTP load run (s). */
  loadS: number;
  connections: number;
  /** Unique tokens per cold run (the run is bounded by this count). */
  coldTokens: number;
  warmTokens: number;
  rawMs: number;
  bcryptCost: number;
  logins: number;
  burst: number;
  refreshChains: number;
  /** Authorization codes exchanged per side per run (row 8). */
  codes: number;
  revocations: number;
  revocationUsers: number;
  sustainedRate: number;
  sustainedS: number;
  /** Row 5 on the 3-node cluster: seconds of one-at-a-time revocations before the fault, and from the leader kill on (restarted halfway). */
  clusterHealthyS: number;
  clusterFaultS: number;
  memEvents: number;
  memTtlS: number;
  /** Sampling after the flood: one TTL + the store's 10 s sweep shows entries leaving. */
  memAfterS: number;
  /** Row 9: users and days of simulated history, rotations per day of each day's API session. */
  storageUsers: number;
  storageDays: number;
  storageRotationsPerDay: number;
  /** Row 9: sequential logins per latency sample (and four times as many refresh rotations). */
  storageSamples: number;
  /** Row 11: signed-in users whose orders go through the token-exchange client cache. */
  exchangeUsers: number;
}

/** What `npm run bench` runs (target: < 10 minutes on the 2-core machine). */
export const FULL: Profile = {
  name: 'full',
  runs: 3,
  loadS: 3,
  connections: 32,
  coldTokens: 12000,
  warmTokens: 100,
  rawMs: 1500,
  bcryptCost: 10,
  logins: 15,
  burst: 50,
  refreshChains: 8,
  codes: 1500,
  revocations: 200,
  revocationUsers: 20,
  sustainedRate: 1000,
  sustainedS: 10,
  clusterHealthyS: 5,
  clusterFaultS: 12,
  memEvents: 1_000_000,
  memTtlS: 20,
  memAfterS: 31,
  storageUsers: 10_000,
  storageDays: 30,
  storageRotationsPerDay: 10,
  storageSamples: 50,
  exchangeUsers: 200,
};

/** One short round of everything: asserts only that each benchmark runs and yields numbers. */
export const SMOKE: Profile = {
  name: 'smoke',
  runs: 1,
  loadS: 1,
  connections: 8,
  coldTokens: 300,
  warmTokens: 10,
  rawMs: 200,
  bcryptCost: 10,
  logins: 2,
  burst: 5,
  refreshChains: 2,
  codes: 40,
  revocations: 3,
  revocationUsers: 3,
  sustainedRate: 100,
  sustainedS: 1,
  clusterHealthyS: 1,
  clusterFaultS: 3,
  memEvents: 5000,
  memTtlS: 2,
  memAfterS: 1,
  storageUsers: 2_000,
  storageDays: 2,
  storageRotationsPerDay: 2,
  storageSamples: 3,
  exchangeUsers: 6,
};
