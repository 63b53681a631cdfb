import { privatePostgresAvailable, readSigningKeys, startNatsCluster, startPrivatePostgres, type PrivatePostgres, type ServiceProcess, type TestNatsCluster, type TestNatsNode } from '@gatehouse/testing';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type JetStreamManager, type NatsConnection } from 'nats';
import { Client } from 'pg';
import { eachLimited, percentiles, RevocationLoad, Revoker, StatusLog, TokenMint, verifierStatus, type Target } from './chaos-load';
import { startServices, type Cluster } from './cluster';

/**
 * The chaos suite (issue #14): a real 3-node JetStream cluster with the R3 event stream, two
 * auth-service replicas, orders-service and inventory-service seeded on different nodes, and 200
 * revocations/s while nodes die, freeze and restart and the relaying replica is killed. Every
 * phase asserts: every acknowledged revocation is refused by both verifiers, the stream holds
 * each outbox row exactly once, no service answered 5xx, and the cluster recovers by itself.
 * Propagation (revocation acknowledged → both verifiers answer 401, polled over HTTP) is measured
 * by one probe at a time beside the load and written to test-artifacts/chaos/propagation.json.
 */
const RATE = 200;
/**
 * Bounds asserted on a shared, loaded 2-core machine: far above the targets (50 ms healthy,
 * 500 ms while a node is lost; the figures are reported, the bench row judges them) and far below
 * what the JetStream-only design took (6.3 s after a leader kill, 10.6 s for a frozen node).
 */
const HEALTHY_BOUND_MS = 1000;
const FAULT_BOUND_MS = 2000;
const STREAM = 'GATEHOUSE_EVENTS';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('chaos: revocation through NATS node loss', () => {
  let nats: TestNatsCluster;
  let c: Cluster<TestNatsCluster>;
  let monitor: NatsConnection;
  let jsm: JetStreamManager;
  let pg: PrivatePostgres | undefined;
  let log: StatusLog;
  let mint: TokenMint;
  let revoker: Revoker;
  let targets: Target[];
  const dead = new Set<ServiceProcess>();
  const results: Record<string, unknown> = {};

  beforeAll(async () => {
    nats = await startNatsCluster(3);
    // auth-service's database lives on a Postgres of this suite's own, so it can be restarted
    // without touching the shared server other tests use.
    pg = privatePostgresAvailable() ? await startPrivatePostgres() : undefined;
    c = await startServices('chaos', nats, (n) => n.urls, {
      authReplicas: 2,
      authEnv: { EVENTS_STREAM_REPLICAS: '3' },
      ...(pg ? { authDatabaseServer: pg.url } : {}),
    });
    monitor = await connect({ servers: nats.urls.split(','), name: 'chaos-monitor', maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    jsm = await monitor.jetstreamManager();
    const created = JSON.parse(await c.runAuthCommand(['client', 'create', '--id', 'chaos-load', '--audience', 'orders', '--scope', 'orders:read'])) as { client_secret: string };
    const [key] = await readSigningKeys(c.dbs.auth.url, c.kek);
    log = new StatusLog();
    mint = new TokenMint(key!, c.issuer, 'chaos-load');
    revoker = new Revoker(() => c.auths.filter((a) => !dead.has(a)), Buffer.from(`chaos-load:${created.client_secret}`).toString('base64'), log);
    // Clients pick a random seed: start inventory-service again until it sits on another node than orders-service.
    let inventory = c.inventory;
    for (let i = 0; i < 8 && (await nodeOf('verifier-orders')) === (await nodeOf('verifier-inventory')); i++) {
      const next = await c.startVerifier('inventory-service');
      await inventory.stop();
      inventory = next;
    }
    results['placement'] = await placement();
    targets = [
      { service: c.orders, path: '/orders' },
      { service: inventory, path: '/items' },
    ];
    // Warm-up, not measured: fresh processes (JIT, pools, caches) would make "healthy" the slowest phase.
    const warm = new RevocationLoad(mint, revoker, targets, log);
    warm.start(RATE);
    await sleep(3000);
    await warm.stop();
  }, 120_000);

  /** Which node each named client connection is on. */
  async function placement(): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const node of nats.nodes.filter((n) => n.running)) {
      const connz = (await (await fetch(`${node.monitorUrl}/connz?limit=4096`)).json()) as { connections?: { name?: string }[] };
      out[node.name] = (connz.connections ?? []).map((conn) => conn.name ?? '?').sort();
    }
    return out;
  }

  afterAll(async () => {
    mkdirSync(join(__dirname, '..', '..', '..', 'test-artifacts', 'chaos'), { recursive: true });
    writeFileSync(join(__dirname, '..', '..', '..', 'test-artifacts', 'chaos', 'propagation.json'), JSON.stringify(results, null, 2));
    process.stdout.write(`chaos propagation (ms): ${JSON.stringify(results, null, 1)}\n`);
    await monitor?.close().catch(() => undefined);
    await c?.stop();
    await nats?.dispose();
    await pg?.dispose();
  }, 60_000);

  /** One query on auth-service's database, on a fresh connection (the server restarts in one phase). */
  async function authDb<R extends object>(sql: string): Promise<R[]> {
    const db = new Client({ connectionString: c.dbs.auth.url });
    await db.connect();
    try {
      return (await db.query<R>(sql)).rows;
    } finally {
      await db.end();
    }
  }

  async function streamLeader(): Promise<TestNatsNode> {
    for (let i = 0; ; i++) {
      const leader = await jsm.streams.info(STREAM).then((s) => s.cluster?.leader, () => undefined);
      if (leader) return nats.node(leader);
      if (i > 100) throw new Error('the stream has no leader');
      await sleep(100);
    }
  }

  /** The node a client connection named `name` is on, from the nodes' /connz. */
  async function nodeOf(name: string): Promise<TestNatsNode> {
    for (const node of nats.nodes.filter((n) => n.running)) {
      const connz = (await (await fetch(`${node.monitorUrl}/connz?limit=4096`)).json()) as { connections?: { name?: string }[] };
      if (connz.connections?.some((conn) => conn.name === name)) return node;
    }
    throw new Error(`no node has a connection named ${name}`);
  }

  async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await check().catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`not recovered within ${ms} ms: ${what}`);
      await sleep(200);
    }
  }

  /** Everything is back by itself: every service ready, the stream led with all replicas current, the relay lock held. */
  async function expectRecovered(): Promise<void> {
    for (const s of [...c.auths.filter((a) => !dead.has(a)), ...targets.map((t) => t.service)]) {
      await until(`${s.name} ready`, async () => (await fetch(`${s.url}/health/ready`)).status === 200);
    }
    await until('stream replicas current', async () => {
      const info = await jsm.streams.info(STREAM);
      return info.cluster?.leader !== undefined && (info.cluster.replicas ?? []).length === 2 && (info.cluster.replicas ?? []).every((r) => r.current);
    });
    await until('outbox relay leader', async () => (await authDb("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = 7316003 AND granted")).length === 1);
  }

  /** Nothing lost, nothing doubled: every outbox row is marked sent and the stream holds exactly one message per row. */
  async function expectStreamMatchesOutbox(): Promise<void> {
    await until('outbox drained', async () => (await authDb('SELECT 1 FROM outbox WHERE sent_at IS NULL LIMIT 1')).length === 0);
    const [count] = await authDb<{ n: string }>('SELECT count(*) AS n FROM outbox');
    const events = async () => {
      const { state } = await jsm.streams.info(STREAM, { subjects_filter: '>' });
      return state.messages - (state.subjects?.['gatehouse.stream.checkpoint'] ?? 0);
    };
    let held = 0;
    await until('stream holds every row', async () => (held = await events()) === Number(count!.n), 10_000).catch((err: unknown) => {
      // More events than rows: a restore re-published the live set (its log line says why).
      const restores = c.auths.flatMap((a) => a.output().split('\n').filter((l) => l.includes('event stream lost events')));
      throw new Error(`${err instanceof Error ? err.message : String(err)} (stream ${held} events, outbox ${count!.n} rows; restores: ${restores.join(' | ') || 'none'})`);
    });
  }

  /** Both verifiers refuse every token whose revocation was acknowledged. */
  async function expectAllRefused(tokens: string[]): Promise<void> {
    const accepted: string[] = [];
    await eachLimited(tokens, 16, async (token) => {
      for (const t of targets) {
        const status = await verifierStatus(t.service, t.path, token, log);
        if (status !== 401) accepted.push(`${t.service.name}: ${status}`);
      }
    });
    expect(accepted).toEqual([]);
  }

  /** Runs the load, injects `fault` 1.5 s in, keeps going 1.5 s after it returns, then checks every guarantee. */
  async function phase(name: string, fault: () => Promise<void>): Promise<{ during: ReturnType<typeof percentiles>; all: ReturnType<typeof percentiles> }> {
    const where = await placement();
    const load = new RevocationLoad(mint, revoker, targets, log);
    load.start(RATE);
    await sleep(1500);
    const from = performance.now();
    let to = from;
    try {
      await fault();
    } finally {
      to = performance.now();
      await sleep(1500);
      await load.stop();
    }
    await expectRecovered();
    await expectAllRefused(load.revoked);
    await expectStreamMatchesOutbox();
    const during = percentiles(load.probes.filter((p) => p.at >= from && p.at <= to).map((p) => p.ms));
    const all = percentiles(load.probes.map((p) => p.ms));
    results[name] = { revocations: load.revoked.length, seconds: Math.round((to - from) / 100) / 10 + 3, during, all, slowest: load.probes.filter((p) => p.ms > 250).slice(0, 5), placement: where };
    expect(load.anomalies).toEqual([]);
    expect(log.serverErrors).toEqual([]);
    return { during, all };
  }

  /** A phase with a fault: probes ran during it, and propagation stayed far from the seconds of a leader election. */
  async function faultPhase(name: string, fault: () => Promise<void>): Promise<void> {
    const { during } = await phase(name, fault);
    expect(during.n).toBeGreaterThan(0);
    expect(during.max).toBeLessThan(FAULT_BOUND_MS);
  }

  it('healthy cluster: revocations reach both verifiers within milliseconds', async () => {
    const { all } = await phase('healthy', () => sleep(4000));
    expect(all.n).toBeGreaterThan(2);
    expect(all.p99).toBeLessThan(HEALTHY_BOUND_MS);
  }, 90_000);

  /** How a node is taken down for `ms` and brought back. */
  const outages = {
    'kill -9': async (node: TestNatsNode, ms: number) => {
      await node.kill();
      await sleep(ms);
      await node.start();
    },
    // Frozen, not dead: its sockets stay open, so its clients notice only from missed pings.
    SIGSTOP: async (node: TestNatsNode, ms: number) => {
      node.pause();
      await sleep(ms);
      node.resume();
    },
    'graceful restart': async (node: TestNatsNode, ms: number) => {
      await node.stop();
      await sleep(ms);
      await node.start();
    },
  } as const;

  it.each([
    ['kill -9', 'the stream leader', () => streamLeader(), 6000],
    ['kill -9', 'the node orders-service is connected to', () => nodeOf('verifier-orders'), 6000],
    ['SIGSTOP', 'the node inventory-service is connected to', () => nodeOf('verifier-inventory'), 10_000],
    ['graceful restart', 'the node the outbox relay publishes through', () => nodeOf('auth-service-outbox'), 2000],
  ] as const)('%s of %s', async (how, which, pick, ms) => {
    const node = await pick();
    await faultPhase(`${how} ${which}`, () => outages[how](node, ms));
  }, 120_000);

  it('kill -9 of the auth-service replica that relays the outbox', async () => {
    const relay = c.auths[0]!; // started alone first, so it took the relay lock
    await faultPhase('kill -9 relay replica', async () => {
      dead.add(relay);
      await relay.kill();
      await sleep(4000);
      await c.startAuth(); // what the Deployment would do; the survivor relays meanwhile
    });
  }, 120_000);

  (privatePostgresAvailable() ? it : it.skip)('crash-like restart of auth-service\'s Postgres', async () => {
    log.unavailableAllowed.add('auth-service'); // 503 while the database is down is the right answer
    try {
      // Revocations cannot commit while it is down (the callers retry); propagation is reported,
      // not bounded: the relays reconnect with backoff and the drain publishes what they missed.
      await phase('restart Postgres', () => pg!.restart(2000));
    } finally {
      log.unavailableAllowed.delete('auth-service');
    }
  }, 120_000);
});
