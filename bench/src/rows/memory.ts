import { connectNats, ensureEventStream, publishGenesisCheckpoint } from '@gatehouse/revocation-events';
import type { AuthEnvironment } from '../lib/auth-cluster';
import { ISSUER } from '../lib/auth-cluster';
import type { Profile } from '../lib/profile';
import { rssMiB, type RoleProcess } from '../lib/proc';
import { sleep } from '../lib/stats';
import { startVerifier } from './verification';

const STREAM = 'BENCH_MEMORY';
const PREFIX = 'benchmem';
const SWEEP_S = 10;

/** One sample of the verifier under the revocation flood. */
export interface MemorySample {
  t: number;
  rssMiB: number;
  entries: number;
  applied: number;
}

/** Row 6. */
export interface MemoryResult {
  events: number;
  ttlS: number;
  spreadS: number;
  publishedPerSecond: number;
  samples: MemorySample[];
  peakRssMiB: number;
  /** RSS at the end of the first and second half of the flood, and after it. */
  rssAtHalf: number;
  rssAtEnd: number;
  rssAfter: number;
  peakEntries: number;
  entriesAfter: number;
  /** Entries the store may hold at most: rate × (TTL + sweep interval). */
  entryBound: number;
  baselineRssMiB: number;
  /** Live JS heap after a full GC (MiB): before the flood, once in steady state (TTL + a sweep in), at its end, and after it. */
  liveHeapMiB: { baseline: number; half: number; end: number; after: number };
}

/**
 * A verifier follows a stream of its own while `memEvents` token revocations arrive, spread
 * evenly over 2 × TTL (each expires TTL after it is published); its RSS and entry count are
 * sampled every 500 ms, through the flood and one TTL + sweep interval after it; the live JS heap
 * after a forced GC (the verifier runs with --expose-gc) before, at the planned half, at the end and after.
 */
export async function benchMemory(p: Profile, env: AuthEnvironment, authUrl: string, loader: RoleProcess, log: (m: string) => void): Promise<MemoryResult> {
  const nc = await connectNats(env.nats.url, 'bench-memory-setup');
  await ensureEventStream(await nc.jetstreamManager(), { name: STREAM, subjectPrefix: PREFIX });
  await publishGenesisCheckpoint(nc, { stream: STREAM, prefix: PREFIX });
  await nc.drain();
  const verifier = await startVerifier(env.nats.url, ISSUER, `${authUrl}/.well-known/jwks.json`, { EVENTS_STREAM: STREAM, EVENTS_SUBJECT_PREFIX: PREFIX }, undefined, ['--expose-gc']);
  const liveHeap = async () => ((await (await fetch(`${verifier.url}/bench/live-heap`)).json()) as { heapUsedMiB: number }).heapUsedMiB;
  const spreadS = 2 * p.memTtlS;
  const rate = p.memEvents / spreadS;
  const samples: MemorySample[] = [];
  const start = Date.now();
  let publishing = true;
  let publishEnd = Number.POSITIVE_INFINITY;
  const sampler = (async () => {
    const end = () => !publishing && Date.now() - publishEnd > p.memAfterS * 1000;
    while (!end()) {
      const st = (await (await fetch(`${verifier.url}/bench/state`)).json()) as { size: number; applied: number };
      samples.push({ t: (Date.now() - start) / 1000, rssMiB: rssMiB(verifier.pid), entries: st.size, applied: st.applied });
      await sleep(500);
    }
  })();
  const baselineRssMiB = rssMiB(verifier.pid);
  const heap = { baseline: await liveHeap(), half: Number.NaN, end: Number.NaN, after: Number.NaN };
  try {
    // One forced GC once the store has reached its steady state (TTL + a sweep into the flood),
    // and one at the end: RSS alone cannot tell retained garbage from growth.
    const halfway = setTimeout(() => {
      liveHeap().then((v) => (heap.half = v), () => undefined);
    }, (p.memTtlS + SWEEP_S + 5) * 1000);
    const pub = await loader.call<{ published: number; seconds: number }>('publish', { natsUrl: env.nats.url, stream: STREAM, prefix: PREFIX, count: p.memEvents, kind: 'jti', ttlSeconds: p.memTtlS, ratePerSecond: rate, inflight: 1024 });
    clearTimeout(halfway);
    heap.end = await liveHeap();
    if (Number.isNaN(heap.half)) heap.half = heap.end; // the flood ended before the steady state
    publishEnd = Date.now();
    publishing = false;
    log(`row 6: published ${pub.published} events in ${pub.seconds.toFixed(1)} s`);
    await sampler;
    heap.after = await liveHeap();
    const during = samples.filter((s) => s.t <= pub.seconds);
    const at = (frac: number) => nearest(during, pub.seconds * frac)?.rssMiB ?? Number.NaN;
    return {
      events: p.memEvents,
      ttlS: p.memTtlS,
      spreadS,
      publishedPerSecond: pub.published / pub.seconds,
      samples,
      peakRssMiB: Math.max(...samples.map((s) => s.rssMiB)),
      rssAtHalf: at(0.5),
      rssAtEnd: at(1),
      rssAfter: samples.at(-1)?.rssMiB ?? Number.NaN,
      peakEntries: Math.max(...samples.map((s) => s.entries)),
      entriesAfter: samples.at(-1)?.entries ?? Number.NaN,
      entryBound: Math.round(rate * (p.memTtlS + SWEEP_S)),
      baselineRssMiB,
      liveHeapMiB: heap,
    };
  } finally {
    publishing = false;
    publishEnd = 0;
    await sampler.catch(() => undefined);
    await verifier.stop();
  }
}

function nearest(samples: MemorySample[], t: number): MemorySample | undefined {
  return samples.reduce<MemorySample | undefined>((best, s) => (!best || Math.abs(s.t - t) < Math.abs(best.t - t) ? s : best), undefined);
}
