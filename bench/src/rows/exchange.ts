import { ServiceTokenClient } from '@gatehouse/service-token-client';
import { authCommand, login, registerUsers, type AuthEnvironment } from '../lib/auth-cluster';
import type { Profile } from '../lib/profile';
import type { RoleProcess, ServerProcess } from '../lib/proc';
import { fieldMedians, nowMs } from '../lib/stats';
import type { LoadResult } from '../roles/loader';

/** Row 11: token exchanges per second (RFC 8693) beside client_credentials, and the client cache under an order load. */
export interface ExchangeResult {
  runs: { exchange: LoadResult; clientCredentials: LoadResult }[];
  median: { exchange: LoadResult; clientCredentials: LoadResult; ratio: number };
  orders: OrderLoadResult;
}

/** The order load through `ServiceTokenClient.exchange`. */
export interface OrderLoadResult {
  users: number;
  orders: number;
  concurrency: number;
  hits: number;
  misses: number;
  hitRatio: number;
  /** Exchanges auth-service answered per order (misses ÷ orders). */
  exchangesPerOrder: number;
  ordersPerSecond: number;
  failed: number;
}

const EXCHANGER = 'bench-exchanger';
const ORDER_CONCURRENCY = 16;

/**
 * Exchanges/s: `p.runs` × (token exchange, then client_credentials for the same client), each
 * `p.loadS` s at `p.connections` connections against auth-service (1 process). An exchange does
 * what client_credentials does (client auth, one RS256 signature) plus verifying the subject
 * token and one Postgres statement (its liveness, and the audit row if live).
 *
 * Cache: `p.exchangeUsers` signed-in users place orders — each user a geometric number of them
 * (mean 3, seeded), all orders shuffled into one stream and sent `ORDER_CONCURRENCY` at a time
 * through one `ServiceTokenClient.exchange(userToken, 'inventory', 'inventory:reserve')`, as
 * orders-service does per order; the hit ratio is the client's own count.
 */
export async function benchExchange(p: Profile, env: AuthEnvironment, auth: ServerProcess, loader: RoleProcess, log: (m: string) => void): Promise<ExchangeResult> {
  const created = JSON.parse(
    await authCommand(env.env, ['client', 'create', '--id', EXCHANGER, '--audience', 'inventory', '--scope', 'inventory:reserve', '--exchange-subject-audience', 'orders', '--exchange', 'inventory=inventory:reserve requires orders:write']),
  ) as { client_secret: string };
  const users = await registerUsers(auth.url, p.exchangeUsers, 'exchange');
  const tokens: string[] = [];
  for (const u of users) tokens.push((await login(auth.url, u)).access);

  const headers = { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${EXCHANGER}:${created.client_secret}`).toString('base64')}` };
  const exchangeBody = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: tokens[0] ?? '', subject_token_type: 'urn:ietf:params:oauth:token-type:access_token', audience: 'inventory' }).toString();
  const spec = (body: string) => ({ url: `${auth.url}/oauth/token`, method: 'POST' as const, headers, body, connections: p.connections, durationS: p.loadS });
  const runs: ExchangeResult['runs'] = [];
  for (let r = 0; r < p.runs; r++) {
    const exchange = await loader.call<LoadResult>('load', spec(exchangeBody));
    const clientCredentials = await loader.call<LoadResult>('load', spec('grant_type=client_credentials&audience=inventory'));
    if (exchange.bad + clientCredentials.bad > 0) throw new Error(`row 11: failed requests (exchange ${exchange.bad}, client_credentials ${clientCredentials.bad})`);
    runs.push({ exchange, clientCredentials });
    log(`row 11 run ${r + 1}: token exchanges ${exchange.rps.toFixed(0)}/s (p99 ${exchange.p99.toFixed(1)} ms), client_credentials ${clientCredentials.rps.toFixed(0)}/s`);
  }
  const load = (f: (x: ExchangeResult['runs'][number]) => LoadResult): LoadResult => fieldMedians(runs.map(f));
  const exchange = load((x) => x.exchange);
  const clientCredentials = load((x) => x.clientCredentials);
  const orders = await orderLoad(auth.url, created.client_secret, tokens);
  log(`row 11: ${orders.orders} orders of ${orders.users} users → cache hit ratio ${(orders.hitRatio * 100).toFixed(1)} %, ${orders.exchangesPerOrder.toFixed(2)} exchanges per order`);
  return { runs, median: { exchange, clientCredentials, ratio: exchange.rps / clientCredentials.rps }, orders };
}

async function orderLoad(authUrl: string, secret: string, tokens: string[]): Promise<OrderLoadResult> {
  const client = new ServiceTokenClient({ tokenUrl: `${authUrl}/oauth/token`, clientId: EXCHANGER, clientSecret: secret });
  const random = seeded(11);
  const stream: string[] = [];
  for (const token of tokens) {
    let n = 1;
    while (random() < 2 / 3 && n < 20) n++; // geometric, mean 3
    for (let k = 0; k < n; k++) stream.push(token);
  }
  for (let i = stream.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [stream[i], stream[j]] = [stream[j] as string, stream[i] as string];
  }
  let next = 0;
  let failed = 0;
  const started = nowMs();
  await Promise.all(
    Array.from({ length: ORDER_CONCURRENCY }, async () => {
      for (let k = next++; k < stream.length; k = next++) {
        await client.exchange(stream[k] as string, 'inventory', 'inventory:reserve').catch(() => failed++);
      }
    }),
  );
  const seconds = (nowMs() - started) / 1000;
  const { hits, misses } = client.exchangeStats();
  return { users: tokens.length, orders: stream.length, concurrency: ORDER_CONCURRENCY, hits, misses, hitRatio: hits / (hits + misses), exchangesPerOrder: misses / stream.length, ordersPerSecond: stream.length / seconds, failed };
}

/** A small deterministic PRNG (mulberry32), so every run places the same orders. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
