import { createTestDatabase, runServiceCommand, startNatsServer, startServiceProcess, type ServiceProcess, type TestDatabase, type TestNatsServer } from '@gatehouse/testing';
import { randomBytes } from 'node:crypto';

/** The three built services on their own databases and a private NATS, for one test file. */
export interface Cluster {
  auth: ServiceProcess;
  orders: ServiceProcess;
  inventory: ServiceProcess;
  nats: TestNatsServer;
  dbs: { auth: TestDatabase; orders: TestDatabase; inventory: TestDatabase };
  issuer: string;
  /** The key encryption key auth-service runs with (tests read signing keys with it). */
  kek: Buffer;
  /** Seeded admin credentials. */
  admin: { email: string; password: string };
  /** Starts one more verifier of `name` against the same issuer, NATS and database. */
  startVerifier(name: 'orders-service' | 'inventory-service'): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

/** Starts auth-service, inventory-service and orders-service (in that order) and registers the orders client. */
export async function startCluster(label: string): Promise<Cluster> {
  const nats = await startNatsServer();
  const dbs = { auth: await createTestDatabase(`${label}_auth`), orders: await createTestDatabase(`${label}_orders`), inventory: await createTestDatabase(`${label}_inv`) };
  const issuer = 'http://localhost:3000';
  const started: ServiceProcess[] = [];
  try {
    const kek = randomBytes(32);
    const admin = { email: 'admin@e2e.test', password: randomBytes(12).toString('base64url') };
    const authEnv = { DATABASE_URL: dbs.auth.url, NATS_URL: nats.url, KEY_ENCRYPTION_KEY: kek.toString('base64'), BCRYPT_COST: '10', ISSUER: issuer, LOGIN_IP_MAX_FAILURES: '10000' };
    await runServiceCommand('auth-service', ['seed'], { ...authEnv, SEED_ADMIN_EMAIL: admin.email, SEED_ADMIN_PASSWORD: admin.password, SEED_ORDERS_CLIENT_SECRET: randomBytes(32).toString('base64url') });
    const created = JSON.parse(
      await runServiceCommand('auth-service', ['client', 'create', '--id', 'orders-e2e', '--audience', 'inventory', '--scope', 'inventory:reserve'], authEnv),
    ) as { client_secret: string };
    const auth = await startServiceProcess('auth-service', authEnv);
    started.push(auth);
    const verifierEnv = { ISSUER: issuer, JWKS_URI: `${auth.url}/.well-known/jwks.json`, NATS_URL: nats.url };
    const inventory = await startServiceProcess('inventory-service', { ...verifierEnv, DATABASE_URL: dbs.inventory.url });
    started.push(inventory);
    const ordersEnv = { ...verifierEnv, DATABASE_URL: dbs.orders.url, AUTH_TOKEN_URL: `${auth.url}/oauth/token`, SERVICE_CLIENT_ID: 'orders-e2e', SERVICE_CLIENT_SECRET: created.client_secret, INVENTORY_URL: inventory.url };
    const orders = await startServiceProcess('orders-service', ordersEnv);
    started.push(orders);
    const extra: ServiceProcess[] = [];
    return {
      auth,
      orders,
      inventory,
      nats,
      dbs,
      issuer,
      kek,
      admin,
      async startVerifier(name) {
        const p = await startServiceProcess(name, name === 'orders-service' ? ordersEnv : { ...verifierEnv, DATABASE_URL: dbs.inventory.url });
        extra.push(p);
        return p;
      },
      async stop() {
        await Promise.all([...extra, ...started].map((s) => s.stop()));
        await nats.dispose();
        await Promise.all(Object.values(dbs).map((d) => d.drop()));
      },
    };
  } catch (err) {
    await Promise.all(started.map((s) => s.stop()));
    await nats.dispose();
    await Promise.all(Object.values(dbs).map((d) => d.drop()));
    throw err;
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
