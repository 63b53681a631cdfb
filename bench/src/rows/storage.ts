import { Client } from 'pg';
import { authCommand, createAuthEnvironment, login, registerUsers, startAuth, type AuthEnvironment, type BenchUser } from '../lib/auth-cluster';
import type { Profile } from '../lib/profile';
import type { ServerProcess } from '../lib/proc';
import { median, nowMs, percentile } from '../lib/stats';
import { tableSizes, writeHistory, type TableSize } from './storage-history';

/** Login and refresh latency on one database. */
export interface PathLatency {
  loginP50Ms: number;
  loginP99Ms: number;
  refreshP50Ms: number;
  refreshP99Ms: number;
}

/** Row 10: a simulated month of history, the janitor, and the hot paths beside an empty database. */
export interface StorageResult {
  users: number;
  days: number;
  rotationsPerDay: number;
  historyWriteS: number;
  before: Record<string, TableSize>;
  after: Record<string, TableSize>;
  janitor: { rows: number; seconds: number; rowsPerSecond: number; byRule: Record<string, number> };
  /** Logins running while the janitor ran. */
  duringJanitor: { logins: number; p50Ms: number; p99Ms: number };
  empty: PathLatency;
  full: PathLatency;
  loginRatio: number;
  refreshRatio: number;
}

/**
 * Two auth-services side by side, each on its own database: one empty, one holding a month of
 * history for `p.storageUsers` users (written in bulk). Login and refresh latency are measured
 * on both in ABBA order; then the janitor CLI runs on the full one while two clients keep
 * logging in, and the table sizes before and after are compared.
 */
export async function benchStorage(p: Profile, log: (m: string) => void): Promise<StorageResult> {
  const envs: AuthEnvironment[] = [];
  const servers: ServerProcess[] = [];
  try {
    for (let i = 0; i < 2; i++) envs.push(await createAuthEnvironment(p.bcryptCost));
    const fullEnv = envs[1] as AuthEnvironment;
    for (const env of envs) servers.push(await startAuth(env, 1, { JANITOR_INTERVAL: '0', OUTBOX_RELAY: 'false' }));
    const [emptyAuth, fullAuth] = servers as [ServerProcess, ServerProcess];
    const shape = { users: p.storageUsers, days: p.storageDays, rotationsPerDay: p.storageRotationsPerDay };
    const db = new Client({ connectionString: fullEnv.db.url });
    await db.connect();
    try {
      const t0 = nowMs();
      await writeHistory(db, shape);
      const historyWriteS = (nowMs() - t0) / 1000;
      log(`row 10: ${shape.days} days for ${shape.users} users written in ${historyWriteS.toFixed(0)} s`);
      const emptyUsers = await registerUsers(emptyAuth.url, 2, 'storage');
      const fullUsers = await registerUsers(fullAuth.url, 2, 'storage');
      const samples = { empty: [] as PathLatency[], full: [] as PathLatency[] };
      for (const which of ['empty', 'full', 'full', 'empty'] as const) {
        samples[which].push(await pathLatency(which === 'empty' ? emptyAuth.url : fullAuth.url, which === 'empty' ? emptyUsers : fullUsers, p));
      }
      const before = await tableSizes(db);
      const { report, during } = await janitorWhileLoggingIn(fullEnv, fullAuth.url, fullUsers);
      const after = await tableSizes(db);
      const empty = mean(samples.empty);
      const full = mean(samples.full);
      log(`row 10: janitor ${report.rows} rows in ${report.seconds.toFixed(1)} s; login p99 ${full.loginP99Ms.toFixed(1)} vs ${empty.loginP99Ms.toFixed(1)} ms empty`);
      return {
        ...shape,
        historyWriteS,
        before,
        after,
        janitor: { ...report, rowsPerSecond: report.rows / report.seconds },
        duringJanitor: during,
        empty,
        full,
        loginRatio: full.loginP99Ms / empty.loginP99Ms,
        refreshRatio: full.refreshP99Ms / empty.refreshP99Ms,
      };
    } finally {
      await db.end();
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    for (const env of envs) await env.dispose();
  }
}

/** Sequential logins, then a chain of sequential refresh rotations. */
async function pathLatency(url: string, users: BenchUser[], p: Profile): Promise<PathLatency> {
  const logins: number[] = [];
  let refresh = '';
  for (let i = 0; i < p.storageSamples; i++) {
    const t = nowMs();
    refresh = (await login(url, users[i % users.length] as BenchUser)).refresh;
    logins.push(nowMs() - t);
  }
  const refreshes: number[] = [];
  for (let i = 0; i < p.storageSamples * 4; i++) {
    const t = nowMs();
    const res = await fetch(`${url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh }).toString() });
    const body = (await res.json()) as { refresh_token?: string };
    if (res.status !== 200 || !body.refresh_token) throw new Error(`row 10: refresh answered ${res.status}`);
    refreshes.push(nowMs() - t);
    refresh = body.refresh_token;
  }
  return { loginP50Ms: median(logins), loginP99Ms: percentile(logins, 99), refreshP50Ms: median(refreshes), refreshP99Ms: percentile(refreshes, 99) };
}

/** Runs `main.js janitor` (the operator's command) while two clients log in back to back. */
async function janitorWhileLoggingIn(env: AuthEnvironment, url: string, users: BenchUser[]) {
  let running = true;
  const latencies: number[] = [];
  const client = async (user: BenchUser) => {
    while (running) {
      const t = nowMs();
      await login(url, user);
      latencies.push(nowMs() - t);
    }
  };
  const loops = users.map((u) => client(u));
  const t0 = nowMs();
  let stdout: string;
  try {
    stdout = await authCommand(env.env, ['janitor']);
  } finally {
    running = false;
    await Promise.all(loops);
  }
  const seconds = (nowMs() - t0) / 1000;
  const parsed = JSON.parse(stdout) as { ran: boolean; durationMs: number; rules: { rule: string; rows: number }[] };
  if (!parsed.ran) throw new Error('row 10: the janitor did not run');
  const byRule = Object.fromEntries(parsed.rules.map((r) => [r.rule, r.rows]));
  const rows = parsed.rules.reduce((sum, r) => sum + r.rows, 0);
  return {
    report: { rows, seconds: parsed.durationMs / 1000 || seconds, byRule },
    during: { logins: latencies.length, p50Ms: median(latencies), p99Ms: percentile(latencies, 99) },
  };
}

function mean(xs: PathLatency[]): PathLatency {
  const avg = (k: keyof PathLatency) => xs.reduce((sum, x) => sum + x[k], 0) / xs.length;
  return { loginP50Ms: avg('loginP50Ms'), loginP99Ms: avg('loginP99Ms'), refreshP50Ms: avg('refreshP50Ms'), refreshP99Ms: avg('refreshP99Ms') };
}
