import { login, postJson, registerUsers, type BenchUser } from '../lib/auth-cluster';
import type { Profile } from '../lib/profile';
import type { RoleProcess, ServerProcess } from '../lib/proc';
import { median, nowMs, percentile } from '../lib/stats';

/** Row 4 for one auth-service deployment. */
export interface LoginResult {
  loginMedianMs: number;
  bcryptMedianMs: number;
  /** Login latency above one bcrypt compare (target ≤ 5 ms). */
  overheadMs: number;
  burst: { n: number; p50Ms: number; p99Ms: number; perSecond: number; lagP99Ms: number; lagMaxMs: number };
}

/**
 * Sequential logins (median latency) against the median bcrypt compare at the same cost, then
 * a burst of `p.burst` concurrent logins while auth-service's own event-loop delay histogram
 * (prom-client, reset at each /metrics scrape) records the lag.
 */
export async function benchLogin(p: Profile, auth: ServerProcess, raw: RoleProcess, users: BenchUser[], lag: boolean): Promise<LoginResult> {
  const [user] = users;
  if (!user) throw new Error('row 4: no user');
  await login(auth.url, user); // warm the path (first-use costs: statement caches, JIT)
  const latencies: number[] = [];
  const bcryptTimes: number[] = [];
  for (let r = 0; r < p.runs; r++) {
    for (let i = 0; i < p.logins; i++) {
      const t0 = nowMs();
      await login(auth.url, user);
      latencies.push(nowMs() - t0);
    }
    bcryptTimes.push((await raw.call<{ medianMs: number }>('bcrypt', { cost: p.bcryptCost, n: p.logins })).medianMs);
  }
  if (lag) await fetch(`${auth.url}/metrics`).then((r) => r.text());
  const burstTimes: number[] = [];
  const t0 = nowMs();
  await Promise.all(
    Array.from({ length: p.burst }, async (_, i) => {
      const u = users[i % users.length] as BenchUser;
      const s = nowMs();
      const res = await postJson(`${auth.url}/auth/login`, u);
      if (res.status !== 200) throw new Error(`row 4: burst login answered ${res.status}`);
      burstTimes.push(nowMs() - s);
    }),
  );
  const burstS = (nowMs() - t0) / 1000;
  const metrics = lag ? await fetch(`${auth.url}/metrics`).then((r) => r.text()) : '';
  const loginMedianMs = median(latencies);
  const bcryptMedianMs = median(bcryptTimes);
  return {
    loginMedianMs,
    bcryptMedianMs,
    overheadMs: loginMedianMs - bcryptMedianMs,
    burst: {
      n: p.burst,
      p50Ms: percentile(burstTimes, 50),
      p99Ms: percentile(burstTimes, 99),
      perSecond: p.burst / burstS,
      lagP99Ms: gauge(metrics, 'nodejs_eventloop_lag_p99_seconds') * 1000,
      lagMaxMs: gauge(metrics, 'nodejs_eventloop_lag_max_seconds') * 1000,
    },
  };
}

/** Registers the users row 4 logs in with. */
export function loginUsers(authUrl: string, p: Profile): Promise<BenchUser[]> {
  return registerUsers(authUrl, Math.min(10, p.burst), 'login');
}

function gauge(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : Number.NaN;
}
