import { createTestDatabase, runServiceCommand, startNatsServer, startServiceProcess, type ServiceProcess, type TestDatabase, type TestNatsServer } from '@gatehouse/testing';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** auth-service's outbox relay lock (outbox-relay.service.ts). */
const RELAY_LOCK_ID = 7_316_003;

type VerifierName = 'orders-service' | 'inventory-service';

/** The three built services on their own databases and a private NATS, for one test file. */
export interface Cluster<N = TestNatsServer> {
  /** The first auth-service replica (the outbox relay leader when there are several). */
  auth: ServiceProcess;
  /** Every auth-service replica, in start order. */
  auths: ServiceProcess[];
  orders: ServiceProcess;
  inventory: ServiceProcess;
  nats: N;
  dbs: { auth: TestDatabase; orders: TestDatabase; inventory: TestDatabase };
  issuer: string;
  /** The key encryption key auth-service runs with (tests read signing keys with it). */
  kek: Buffer;
  /** Seeded admin credentials. */
  admin: { email: string; password: string };
  /** Starts one more verifier of `name` against the same issuer, NATS and database. */
  startVerifier(name: VerifierName): Promise<ServiceProcess>;
  /** Starts one more auth-service replica with the same configuration. */
  startAuth(): Promise<ServiceProcess>;
  /** Runs an auth-service CLI command (e.g. `client create`) with the replicas' configuration; returns stdout. */
  runAuthCommand(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** Options of {@link startServices}. */
export interface ServiceOptions {
  /** auth-service replicas (default 1); the first one is started alone and leads the outbox relay. */
  authReplicas?: number;
  /** Extra auth-service environment, e.g. `EVENTS_STREAM_REPLICAS`. */
  authEnv?: Record<string, string>;
  /** Server (maintenance URL) for auth-service's database; default the shared local Postgres. */
  authDatabaseServer?: string;
  /** `NATS_URL` of each verifier; default the one every service uses. */
  verifierNatsUrl?: Partial<Record<VerifierName, string>>;
}

/**
 * Starts auth-service, inventory-service and orders-service (in that order) on a private nats-server
 * and registers the orders client `orders-e2e`, with a token-exchange policy for inventory
 * (`inventory:reserve` for a user token holding `orders:write`).
 */
export async function startCluster(label: string): Promise<Cluster> {
  return startServices(label, await startNatsServer(), (n) => n.url);
}

/**
 * Starts the three services on `nats` (disposed with the cluster, or at once if a start fails).
 *
 * @param natsUrl - the `NATS_URL` every service gets unless `options.verifierNatsUrl` says otherwise
 */
export async function startServices<N extends { dispose(): Promise<void> }>(label: string, nats: N, natsUrl: (n: N) => string, options: ServiceOptions = {}): Promise<Cluster<N>> {
  const dbs = { auth: await createTestDatabase(`${label}_auth`, options.authDatabaseServer), orders: await createTestDatabase(`${label}_orders`), inventory: await createTestDatabase(`${label}_inv`) };
  const issuer = 'http://localhost:3000';
  const started: ServiceProcess[] = [];
  const stopAll = async () => {
    await Promise.all(started.map((s) => s.stop()));
    await nats.dispose();
    await Promise.all(Object.values(dbs).map((d) => d.drop()));
  };
  try {
    const kek = randomBytes(32);
    const admin = { email: 'admin@e2e.test', password: randomBytes(12).toString('base64url') };
    const authEnv = { DATABASE_URL: dbs.auth.url, NATS_URL: natsUrl(nats), KEY_ENCRYPTION_KEY: kek.toString('base64'), BCRYPT_COST: '10', ISSUER: issuer, LOGIN_IP_MAX_FAILURES: '10000', ADMIN_SECOND_FACTOR: 'false', ...options.authEnv };
    await runServiceCommand('auth-service', ['seed'], { ...authEnv, SEED_ADMIN_EMAIL: admin.email, SEED_ADMIN_PASSWORD: admin.password, SEED_ORDERS_CLIENT_SECRET: randomBytes(32).toString('base64url') });
    const created = JSON.parse(
      await runServiceCommand(
        'auth-service',
        ['client', 'create', '--id', 'orders-e2e', '--audience', 'inventory', '--scope', 'inventory:reserve', '--exchange-subject-audience', 'orders', '--exchange', 'inventory=inventory:reserve requires orders:write'],
        authEnv,
      ),
    ) as { client_secret: string };
    const startAuth = async () => {
      const p = await startServiceProcess('auth-service', authEnv);
      started.push(p);
      return p;
    };
    const auths = [await startAuth()];
    if ((options.authReplicas ?? 1) > 1) await waitForRelayLeader(dbs.auth.url);
    while (auths.length < (options.authReplicas ?? 1)) auths.push(await startAuth());
    const [auth] = auths as [ServiceProcess];
    const verifierEnv = (name: VerifierName) => ({ ISSUER: issuer, JWKS_URI: `${auth.url}/.well-known/jwks.json`, NATS_URL: options.verifierNatsUrl?.[name] ?? natsUrl(nats) });
    const inventoryEnv = { ...verifierEnv('inventory-service'), DATABASE_URL: dbs.inventory.url, RESERVATION_ACTORS: 'orders-e2e' };
    const ordersEnv = { ...verifierEnv('orders-service'), DATABASE_URL: dbs.orders.url, AUTH_TOKEN_URL: `${auth.url}/oauth/token`, SERVICE_CLIENT_ID: 'orders-e2e', SERVICE_CLIENT_SECRET: created.client_secret };
    const startVerifier = async (name: VerifierName, inventoryUrl: string) => {
      const p = await startServiceProcess(name, name === 'orders-service' ? { ...ordersEnv, INVENTORY_URL: inventoryUrl } : inventoryEnv);
      started.push(p);
      return p;
    };
    const inventory = await startVerifier('inventory-service', '');
    const orders = await startVerifier('orders-service', inventory.url);
    return {
      auth,
      auths,
      orders,
      inventory,
      nats,
      dbs,
      issuer,
      kek,
      admin,
      startVerifier: (name) => startVerifier(name, inventory.url),
      startAuth: async () => {
        const p = await startAuth();
        auths.push(p);
        return p;
      },
      runAuthCommand: (args) => runServiceCommand('auth-service', args, authEnv),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Waits until some auth-service holds the outbox relay's advisory lock. */
async function waitForRelayLeader(databaseUrl: string): Promise<void> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const { rows } = await db.query<{ n: string }>("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted", [RELAY_LOCK_ID]);
      if (rows[0]?.n === '1') return;
      if (Date.now() > deadline) throw new Error('no auth-service took the outbox relay lock');
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await db.end();
  }
}

/** POSTs JSON with an optional bearer token. */
export async function post(url: string, body: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** GET with a bearer token; returns the status. */
export async function getStatus(url: string, token: string): Promise<number> {
  return (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status;
}

/** Polls until `fn` is true; returns elapsed ms. */
export async function pollUntil(fn: () => Promise<boolean>, ms = 5000): Promise<number> {
  const start = performance.now();
  while (!(await fn())) {
    if (performance.now() - start > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 1));
  }
  return performance.now() - start;
}
