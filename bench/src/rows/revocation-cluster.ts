import { createTestDatabase, startNatsCluster, type TestNatsCluster } from '@gatehouse/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { ISSUER, startAuth, type AuthEnvironment } from '../lib/auth-cluster';
import type { Profile } from '../lib/profile';
import type { ServerProcess } from '../lib/proc';
import { insertTokenRevocation } from '../lib/outbox';
import { max, nowMs, percentile, sleep, wallClockOffsetMs } from '../lib/stats';
import { startVerifier } from './verification';

/** Latency distribution in ms. */
interface Latency {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

/** Row 5, on a 3-node JetStream cluster with the R3 stream. */
export interface ClusterRevocationResult {
  /** Before any fault. */
  healthy: Latency;
  /** From the `kill -9` of the stream leader's node until it is back. */
  leaderKill: Latency & { seconds: number; lost: number };
}

/**
 * Two auth-service replicas and two verifiers on a 3-node cluster (every NATS_URL lists all
 * three nodes). One revocation at a time: a `gatehouse.revoked.token` row committed to the outbox,
 * timed from the commit to the moment the last verifier's store applied it (the store hook, as in
 * the rest of row 5). First a healthy window, then the stream leader's node is killed with
 * SIGKILL and revocations go on until it has been restarted; "lost" counts revocations some
 * verifier had not applied 15 s after their commit.
 */
export async function benchClusterRevocation(p: Profile, env: AuthEnvironment, log: (m: string) => void): Promise<ClusterRevocationResult> {
  const nats = await startNatsCluster(3);
  const db = await createTestDatabase('bench_cluster');
  const started: ServerProcess[] = [];
  const sql = new Client({ connectionString: db.url });
  try {
    const extra = { DATABASE_URL: db.url, NATS_URL: nats.urls, EVENTS_STREAM_REPLICAS: '3' };
    started.push(await startAuth(env, 1, extra));
    started.push(await startAuth(env, 1, extra));
    const verifiers = await Promise.all([0, 1].map(() => startVerifier(nats.urls, ISSUER, `${started[0]?.url ?? ''}/.well-known/jwks.json`)));
    started.push(...verifiers);
    await sql.connect();
    const healthy = await probe(sql, verifiers, p.clusterHealthyS * 1000, null);
    const leader = await streamLeader(nats);
    const fault = await probe(sql, verifiers, p.clusterFaultS * 1000, async () => {
      await leader.kill();
      await sleep((p.clusterFaultS * 1000) / 2);
      await leader.start();
    });
    const result = { healthy: summary(healthy.latencies), leaderKill: { ...summary(fault.latencies), seconds: p.clusterFaultS, lost: fault.lost } };
    log(`row 5: 3-node cluster healthy p99 ${result.healthy.p99.toFixed(2)} ms; through a leader kill p50 ${result.leaderKill.p50.toFixed(2)}, p99 ${result.leaderKill.p99.toFixed(2)}, max ${result.leaderKill.max.toFixed(2)} ms, lost ${fault.lost}`);
    return result;
  } finally {
    await sql.end().catch(() => undefined);
    await Promise.all(started.map((s) => s.stop()));
    await nats.dispose();
    await db.drop();
  }
}

/** Revocations one at a time for `ms`; `fault` runs alongside from the start. */
async function probe(sql: Client, verifiers: ServerProcess[], ms: number, fault: (() => Promise<void>) | null): Promise<{ latencies: number[]; lost: number }> {
  const latencies: number[] = [];
  let lost = 0;
  const faulting = fault?.();
  const end = nowMs() + ms;
  const exp = Math.floor(Date.now() / 1000) + 600;
  while (nowMs() < end) {
    const before = await Promise.all(verifiers.map(appliedCount));
    // Timed from the row's insertion (Postgres' clock, just before the commit), as in the sustained case.
    const committed = (await insertTokenRevocation(sql, randomUUID(), exp)) - wallClockOffsetMs();
    const applied = await Promise.all(verifiers.map((v, i) => firstAppliedAfter(v, before[i] ?? 0, committed + 15_000)));
    if (applied.some((t) => t === null)) lost++;
    else latencies.push(max(applied as number[]) - committed);
    await sleep(10);
  }
  await faulting;
  return { latencies, lost };
}

async function streamLeader(nats: TestNatsCluster): Promise<TestNatsCluster['nodes'][number]> {
  for (let i = 0; i < 100; i++) {
    for (const node of nats.nodes) {
      const jsz = (await fetch(`${node.monitorUrl}/jsz?streams=true`).then((r) => r.json(), () => ({}))) as { account_details?: { stream_detail?: { name: string; cluster?: { leader?: string } }[] }[] };
      const leader = jsz.account_details?.flatMap((a) => a.stream_detail ?? []).find((s) => s.name === 'GATEHOUSE_EVENTS')?.cluster?.leader;
      if (leader) return nats.node(leader);
    }
    await sleep(100);
  }
  throw new Error('row 5: the event stream has no leader');
}

async function appliedCount(v: ServerProcess): Promise<number> {
  return ((await (await fetch(`${v.url}/bench/state`)).json()) as { applied: number }).applied;
}

/** Apply time of the first event after index `from`, or null if none arrived before `deadline`. */
async function firstAppliedAfter(v: ServerProcess, from: number, deadline: number): Promise<number | null> {
  for (;;) {
    const { times } = (await (await fetch(`${v.url}/bench/applied?from=${from}`)).json()) as { times: number[] };
    if (times[0] !== undefined) return times[0];
    if (nowMs() > deadline) return null;
    await sleep(1);
  }
}

function summary(xs: number[]): Latency {
  return { n: xs.length, p50: percentile(xs, 50), p99: percentile(xs, 99), max: max(xs) };
}
