import { ISSUER, login, postJson, registerUsers, type AuthEnvironment, type BenchUser } from '../lib/auth-cluster';
import type { Profile } from '../lib/profile';
import type { RoleProcess, ServerProcess } from '../lib/proc';
import { max, nowMs, percentile, sleep } from '../lib/stats';
import { benchClusterRevocation, type ClusterRevocationResult } from './revocation-cluster';
import { startVerifier } from './verification';

/** Latency distribution in ms. */
export interface Latency {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

/** Row 5. */
export interface RevocationResult {
  /** logout-all's response → the event applied in the last of the three verifiers' stores (hook). */
  sequential: Latency;
  /** logout-all's response → the last of the three answering 401 to a loopback poll (includes the poll's HTTP round trips). */
  sequentialPolled: Latency;
  /** From each row's insertion (Postgres' clock) to its event reaching the last verifier's state (paired by jti); `negative`: latencies below −1 ms (impossible unless the pairing or the clock is wrong; any makes the row invalid). */
  sustained: Latency & { ratePerSecond: number; achievedPerSecond: number; lost: number; seconds: number; negative?: number; insert?: Latency; restores?: number };
  /** On a 3-node JetStream cluster: healthy, and through a kill -9 of the stream leader's node. */
  cluster: ClusterRevocationResult;
}

/**
 * Three verifiers on auth-service's JWKS and stream. Sequential: `logout-all`, then poll all
 * three over loopback with the revoked token until each answers 401. Sustained: revocation
 * events committed to auth-service's outbox at a fixed rate (the relay publishes them), timed
 * from commit to the moment each verifier's store applied them (a hook on the store).
 */
export async function benchRevocation(p: Profile, env: AuthEnvironment, auth: ServerProcess, loader: RoleProcess, log: (m: string) => void): Promise<RevocationResult> {
  const jwksUri = `${auth.url}/.well-known/jwks.json`;
  const verifiers = await Promise.all([0, 1, 2].map(() => startVerifier(env.nats.url, ISSUER, jwksUri)));
  try {
    const users = await registerUsers(auth.url, p.revocationUsers, 'revoke');
    const { sequential, sequentialPolled } = await sequentialRevocations(p, auth, verifiers, users);
    log(`row 5: sequential p50 ${sequential.p50.toFixed(2)} ms, p99 ${sequential.p99.toFixed(2)} ms, max ${sequential.max.toFixed(2)} ms (polled: p50 ${sequentialPolled.p50.toFixed(2)}, p99 ${sequentialPolled.p99.toFixed(2)})`);
    const sustained = await sustainedRevocations(p, env, auth, verifiers, loader);
    log(`row 5: sustained ${sustained.achievedPerSecond.toFixed(0)}/s p99 ${sustained.p99.toFixed(2)} ms, lost ${sustained.lost}`);
    const cluster = await benchClusterRevocation(p, env, log);
    return { sequential, sequentialPolled, sustained, cluster };
  } finally {
    await Promise.all(verifiers.map((v) => v.stop()));
  }
}

async function sequentialRevocations(p: Profile, auth: ServerProcess, verifiers: ServerProcess[], users: BenchUser[]): Promise<{ sequential: Latency; sequentialPolled: Latency }> {
  const lastRevoked = new Map<BenchUser, number>();
  const hooked: number[] = [];
  const polled: number[] = [];
  for (let i = 0; i < p.revocations; i++) {
    const user = users[i % users.length] as BenchUser;
    // logout-all revokes tokens issued up to its second (notBefore, whole seconds): log in after it.
    const since = lastRevoked.get(user);
    if (since !== undefined) {
      const wait = (Math.floor(since / 1000) + 1) * 1000 - Date.now() + 5;
      if (wait > 0) await sleep(wait);
    }
    const { access } = await login(auth.url, user);
    const accepted = await Promise.all(verifiers.map((v) => status(v, access)));
    if (accepted.some((s) => s !== 200)) throw new Error(`row 5: fresh token refused (${accepted.join(',')})`);
    const before = await Promise.all(verifiers.map(appliedCount));
    const res = await postJson(`${auth.url}/auth/logout-all`, {}, access);
    const t0 = nowMs();
    if (res.status >= 300) throw new Error(`row 5: logout-all answered ${res.status}`);
    lastRevoked.set(user, Date.now());
    const done = await Promise.all(verifiers.map((v) => pollUntilRefused(v, access, 5000)));
    polled.push(max(done) - t0);
    // logout-all queues exactly one event: the first one each store applied after `before`.
    const applied = await Promise.all(verifiers.map((v, k) => appliedTimes(v, before[k] as number)));
    hooked.push(max(applied.map((times) => times[0] ?? Number.POSITIVE_INFINITY)) - t0);
  }
  return { sequential: summary(hooked), sequentialPolled: summary(polled) };
}

function summary(xs: number[]): Latency {
  return { n: xs.length, p50: percentile(xs, 50), p99: percentile(xs, 99), max: max(xs) };
}

async function appliedCount(v: ServerProcess): Promise<number> {
  return ((await (await fetch(`${v.url}/bench/state`)).json()) as ProbeState).applied;
}

async function revokedTimes(v: ServerProcess): Promise<Record<string, number>> {
  return ((await (await fetch(`${v.url}/bench/revoked-times`)).json()) as { times: Record<string, number> }).times;
}

async function appliedTimes(v: ServerProcess, from: number): Promise<number[]> {
  return ((await (await fetch(`${v.url}/bench/applied?from=${from}`)).json()) as { times: number[] }).times;
}

async function status(v: ServerProcess, token: string): Promise<number> {
  return (await answer(v, token)).status;
}

/** `GET /orders` with `token`: the status, and the body (which says which 401 or 503 it was). */
async function answer(v: ServerProcess, token: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${v.url}/orders`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.text()).slice(0, 300) };
}

async function pollUntilRefused(v: ServerProcess, token: string, timeoutMs: number): Promise<number> {
  const deadline = nowMs() + timeoutMs;
  for (;;) {
    const { status: s, body } = await answer(v, token);
    const t = nowMs();
    if (s === 401) return t;
    if (s !== 200) throw new Error(`row 5: verifier answered ${s}: ${body}`);
    if (t > deadline) throw new Error('row 5: revocation not applied within 5 s');
  }
}

interface ProbeState {
  applied: number;
}

async function sustainedRevocations(p: Profile, env: AuthEnvironment, auth: ServerProcess, verifiers: ServerProcess[], loader: RoleProcess): Promise<RevocationResult['sustained']> {
  const restoresBefore = await streamRestores(auth);
  const base = await Promise.all(verifiers.map(appliedCount));
  await Promise.all(verifiers.map(async (v) => (await fetch(`${v.url}/bench/revoked-times/start`)).arrayBuffer()));
  const { inserted } = await loader.call<{ inserted: { jti: string; at: number; answeredAt: number }[] }>('outbox', { databaseUrl: env.db.url, ratePerSecond: p.sustainedRate, durationS: p.sustainedS, connections: 16 });
  const total = inserted.length;
  const insertedAt = inserted.map((s) => s.at);
  const achieved = total / ((max(insertedAt) - Math.min(...insertedAt)) / 1000 || 1);
  // Wait (bounded) until every verifier has applied them all.
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const applied = await Promise.all(verifiers.map(appliedCount));
    if (applied.every((a, i) => a - (base[i] as number) >= total)) break;
    await sleep(50);
  }
  // Each event is paired with its own row by jti: no order is assumed.
  const applied = await Promise.all(verifiers.map(revokedTimes));
  const latencies: number[] = [];
  let lost = 0;
  for (const { jti, at } of inserted) {
    const times = applied.map((t) => t[jti]);
    if (times.some((t) => t === undefined)) lost++;
    else latencies.push(max(times as number[]) - at);
  }
  return {
    n: latencies.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: max(latencies),
    negative: latencies.filter((ms) => ms < -1).length,
    // Each row's insertion → its answer read by the loader: the commit (and the loader's own delay) inside the latency above.
    insert: summary(inserted.map((r) => r.answeredAt - r.at)),
    ratePerSecond: p.sustainedRate,
    achievedPerSecond: achieved,
    lost,
    seconds: p.sustainedS,
    // A restore re-publishes the whole live set through the same relay: none may happen here.
    restores: (await streamRestores(auth)) - restoresBefore,
  };
}

/** auth-service's `outbox_stream_restores_total` (the relay leader found the stream incomplete). */
async function streamRestores(auth: ServerProcess): Promise<number> {
  const line = (await (await fetch(`${auth.url}/metrics`)).text()).split('\n').find((l) => l.startsWith('outbox_stream_restores_total'));
  const n = Number(line?.split(' ').at(-1));
  if (!Number.isFinite(n)) throw new Error('auth-service /metrics has no outbox_stream_restores_total');
  return n;
}
