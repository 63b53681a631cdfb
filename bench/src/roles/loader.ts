import { EVENT_SUBJECTS } from '@gatehouse/contracts';
import { connectNats, ensureEventStream, EventPublisher } from '@gatehouse/revocation-events';
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { insertTokenRevocation } from '../lib/outbox';
import { serveRole } from '../lib/proc';
import { nowMs, sleep, wallClockOffsetMs } from '../lib/stats';

/** One autocannon run against one URL. */
export interface LoadSpec {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  /** Bounded by time … */
  durationS?: number;
  /** … or by request count (cold workload: exactly one request per token). */
  amount?: number;
  /** Bearer tokens: 'cycle' reuses them round-robin; 'unique' uses each once. */
  tokens?: string[];
  tokenMode?: 'cycle' | 'unique';
}

/** What a run measured. */
export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  bad: number;
  durationS: number;
}

async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  let i = 0;
  const tokens = spec.tokens ?? [];
  const request: autocannon.Request = {
    method: spec.method ?? 'GET',
    ...(spec.body !== undefined ? { body: spec.body } : {}),
    ...(tokens.length > 0
      ? {
          setupRequest: (req: autocannon.Request) => {
            const token = tokens[i++ % tokens.length] as string;
            return { ...req, headers: { ...spec.headers, authorization: `Bearer ${token}` } };
          },
        }
      : {}),
  };
  let last = 0;
  const started = nowMs();
  const instance = autocannon(
    {
      url: spec.url,
      method: spec.method ?? 'GET',
      headers: spec.headers ?? {},
      ...(spec.body !== undefined ? { body: spec.body } : {}),
      connections: spec.connections,
      ...(spec.amount !== undefined ? { amount: spec.amount } : { duration: spec.durationS ?? 3 }),
      requests: [request],
      timeout: 10,
    },
    () => undefined,
  );
  // autocannon reports whole seconds; time the run from the first request to the last response.
  instance.on('response', () => (last = nowMs()));
  const result = await new Promise<autocannon.Result>((resolve) => instance.on('done', resolve));
  if (spec.tokenMode === 'unique' && i > tokens.length) throw new Error(`cold run reused tokens (${i} requests, ${tokens.length} tokens)`);
  const ok = result['2xx'];
  const durationS = last > started ? (last - started) / 1000 : result.duration;
  return { rps: ok / durationS, p50: result.latency.p50, p99: result.latency.p99, ok, bad: result.non2xx + result.errors + result.timeouts, durationS };
}

/** Rotates refresh tokens in `chains.length` concurrent chains for `durationMs`; returns rotations/s. */
async function refreshChains(args: { url: string; refreshTokens: string[]; durationMs: number }): Promise<{ perSecond: number; ok: number; bad: number; p50: number; p99: number }> {
  const deadline = Date.now() + args.durationMs;
  const latencies: number[] = [];
  let bad = 0;
  const start = nowMs();
  await Promise.all(
    args.refreshTokens.map(async (first) => {
      let token = first;
      while (Date.now() < deadline) {
        const t0 = nowMs();
        const res = await fetch(args.url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }).toString(),
        });
        const body = (await res.json()) as { refresh_token?: string };
        if (res.status !== 200 || !body.refresh_token) {
          bad++;
          return;
        }
        latencies.push(nowMs() - t0);
        token = body.refresh_token;
      }
    }),
  );
  const elapsedS = (nowMs() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const pick = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? Number.NaN;
  return { perSecond: latencies.length / elapsedS, ok: latencies.length, bad, p50: pick(50), p99: pick(99) };
}

/**
 * POSTs every body once (form-encoded), `connections` at a time: for requests that consume what
 * they carry (authorization codes). Latency percentiles from every request's own wall time.
 */
async function postEach(args: { url: string; bodies: string[]; connections: number }): Promise<LoadResult> {
  const latencies: number[] = [];
  let bad = 0;
  let next = 0;
  const start = nowMs();
  await Promise.all(
    Array.from({ length: args.connections }, async () => {
      for (let k = next++; k < args.bodies.length; k = next++) {
        const t = nowMs();
        const res = await fetch(args.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: args.bodies[k] });
        await res.arrayBuffer();
        if (res.status === 200) latencies.push(nowMs() - t);
        else bad++;
      }
    }),
  );
  const durationS = (nowMs() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const pick = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? Number.NaN;
  return { rps: latencies.length / durationS, p50: pick(50), p99: pick(99), ok: latencies.length, bad, durationS };
}

/**
 * Publishes `count` revocation events to the stream (`kind` 'mixed': jti, sid, sub and client
 * entries in turn; 'jti': token revocations expiring `ttlSeconds` after publication), at most
 * `ratePerSecond`, with up to `inflight` unacknowledged publishes.
 */
async function publishEvents(args: { natsUrl: string; stream: string; prefix: string; count: number; kind: 'mixed' | 'jti'; ttlSeconds: number; ratePerSecond?: number; inflight?: number }): Promise<{ published: number; seconds: number }> {
  const nc = await connectNats(args.natsUrl, 'bench-publisher');
  try {
    await ensureEventStream(await nc.jetstreamManager(), { name: args.stream, subjectPrefix: args.prefix });
    const publisher = new EventPublisher(nc, { prefix: args.prefix, timeoutMs: 30_000 });
    // The flood (row 6) goes out pre-encoded: the verifier still validates every event, the bench needn't.
    const js = nc.jetstream({ timeout: 30_000 });
    const tokenSubject = `${args.prefix}.revoked.token`;
    const start = Date.now();
    const inflight = new Set<Promise<unknown>>();
    const limit = args.inflight ?? 256;
    for (let n = 0; n < args.count; n++) {
      if (args.ratePerSecond) {
        const due = start + (n * 1000) / args.ratePerSecond;
        if (due > Date.now() + 1) await sleep(due - Date.now());
      }
      const p = (
        args.kind === 'jti'
          ? js.publish(tokenSubject, Buffer.from(JSON.stringify({ v: 1, jti: randomUUID(), exp: Math.floor(Date.now() / 1000) + args.ttlSeconds })), { msgID: `bench-${randomUUID()}` })
          : publishOne(publisher, n % 4, args.ttlSeconds, n)
      ).finally(() => inflight.delete(p));
      inflight.add(p);
      if (inflight.size >= limit) await Promise.race(inflight);
    }
    await Promise.all(inflight);
    return { published: args.count, seconds: (Date.now() - start) / 1000 };
  } finally {
    await nc.drain();
  }
}

function publishOne(publisher: EventPublisher, kind: number, ttl: number, n: number): Promise<unknown> {
  const now = Math.floor(Date.now() / 1000);
  const id = `bench-${randomUUID()}`;
  switch (kind) {
    case 0:
      return publisher.publish(EVENT_SUBJECTS.revokedToken, { v: 1, jti: randomUUID(), exp: now + ttl }, id);
    case 1:
      return publisher.publish(EVENT_SUBJECTS.revokedSession, { v: 1, sid: randomUUID(), until: now + ttl }, id);
    case 2:
      return publisher.publish(EVENT_SUBJECTS.revokedSubject, { v: 1, sub: randomUUID(), notBefore: now }, id);
    default:
      return publisher.publish(EVENT_SUBJECTS.revokedClient, { v: 1, clientId: `bench-client-${n}`, notBefore: now }, id);
  }
}

/**
 * Writes `gatehouse.revoked.token` events into auth-service's outbox at `ratePerSecond` for
 * `durationS`, one committed INSERT each (the outbox trigger NOTIFYs the relay); returns each
 * row's jti, the time Postgres inserted it ({@link insertTokenRevocation}, converted to
 * {@link nowMs}) and the time its answer was read here (after the commit). The insertion is just
 * before the commit, so a latency from it is a close upper bound of commit → applied. This
 * process's own clock is no good for that: read after the INSERT's answer, it came after the
 * verifiers had applied the event (NOTIFY → relay → NATS) — this process is busy, and it was late
 * by up to 20 ms; read before sending, it adds the INSERT's queueing under load (p50 28 ms in one run).
 */
async function outboxFlood(args: { databaseUrl: string; ratePerSecond: number; durationS: number; connections: number }): Promise<{ inserted: { jti: string; at: number; answeredAt: number }[] }> {
  const total = Math.round(args.ratePerSecond * args.durationS);
  const clients = await Promise.all(Array.from({ length: args.connections }, async () => {
    const c = new Client({ connectionString: args.databaseUrl });
    await c.connect();
    return c;
  }));
  const inserted: { jti: string; wallMs: number; answeredAt: number }[] = [];
  const exp = Math.floor(Date.now() / 1000) + 600;
  let n = 0;
  const start = nowMs();
  try {
    // Each connection takes the next due row; a row is inserted no earlier than its schedule.
    await Promise.all(
      clients.map(async (c) => {
        for (;;) {
          const k = n++;
          if (k >= total) return;
          const due = start + (k * 1000) / args.ratePerSecond;
          const wait = due - nowMs();
          if (wait > 1) await sleep(wait);
          const jti = randomUUID();
          const wallMs = await insertTokenRevocation(c, jti, exp);
          inserted.push({ jti, wallMs, answeredAt: nowMs() });
        }
      }),
    );
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
  const offset = wallClockOffsetMs();
  return { inserted: inserted.map((r) => ({ jti: r.jti, at: r.wallMs - offset, answeredAt: r.answeredAt })) };
}

/** Entry of the `loader` role: load generation from a process of its own. */
export function loaderRole(): void {
  serveRole({
    load: (spec: LoadSpec) => runLoad(spec),
    refresh: (args: { url: string; refreshTokens: string[]; durationMs: number }) => refreshChains(args),
    postEach: (args: { url: string; bodies: string[]; connections: number }) => postEach(args),
    publish: (args: Parameters<typeof publishEvents>[0]) => publishEvents(args),
    outbox: (args: Parameters<typeof outboxFlood>[0]) => outboxFlood(args),
  });
}
