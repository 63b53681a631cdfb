import { Client } from 'pg';
import { getStatus, pollUntil, post, startCluster, type Cluster } from './cluster';

describe('end to end: login → order → inventory on behalf of the user (token exchange)', () => {
  let c: Cluster;
  let n = 0;
  beforeAll(async () => {
    c = await startCluster('flow');
  });
  afterAll(() => c?.stop());

  async function userToken(): Promise<{ access: string; refresh: string }> {
    const email = `e2e${++n}@example.com`;
    expect((await post(`${c.auth.url}/auth/register`, { email, password: 'end-to-end-pass' })).status).toBe(201);
    const login = await post(`${c.auth.url}/auth/login`, { email, password: 'end-to-end-pass' });
    return { access: String(login.body['access_token']), refresh: String(login.body['refresh_token']) };
  }

  it('creates an order; orders-service reserved stock in inventory with a token exchanged for the user\'s (user and acting service recorded)', async () => {
    const { access } = await userToken();
    const created = await post(`${c.orders.url}/orders`, { sku: 'widget', quantity: 2 }, access);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ sku: 'widget', quantity: 2 });
    const list = (await (await fetch(`${c.orders.url}/orders`, { headers: { authorization: `Bearer ${access}` } })).json()) as { orders: { id: string }[] };
    expect(list.orders.map((o) => o.id)).toEqual([created.body['id']]);

    const db = new Client({ connectionString: c.dbs.inventory.url });
    await db.connect();
    try {
      const { rows } = await db.query<{ reserved_by: string; order_id: string; user_id: string }>('SELECT reserved_by, order_id, user_id FROM reservations');
      const sub = (JSON.parse(Buffer.from(access.split('.')[1] ?? '', 'base64url').toString()) as { sub: string }).sub;
      expect(rows).toEqual([{ reserved_by: 'orders-e2e', order_id: created.body['id'], user_id: sub }]);
    } finally {
      await db.end();
    }
    // The same user token cannot reserve directly: reservations are made by orders-service acting for the user.
    const direct = await post(`${c.inventory.url}/items/widget/reservations`, { quantity: 1, orderId: '00000000-0000-4000-8000-000000000000' }, access);
    expect(direct.status).toBe(403);
  });

  it('maps inventory answers: unknown sku 404, short stock 409, bad input 400', async () => {
    const { access } = await userToken();
    expect((await post(`${c.orders.url}/orders`, { sku: 'unobtainium', quantity: 1 }, access)).status).toBe(404);
    expect((await post(`${c.orders.url}/orders`, { sku: 'gizmo', quantity: 500 }, access)).status).toBe(409);
    expect((await post(`${c.orders.url}/orders`, { sku: 'Bad SKU', quantity: 1 }, access)).status).toBe(400);
    expect((await post(`${c.orders.url}/orders`, { sku: 'widget', quantity: 0 }, access)).status).toBe(400);
  });

  // Pushed, not polled: the outbox relay's fallback poll runs every second. The 100 ms latency
  // target is measured where the machine is quiet (bench row 5, p99 under 10 ms); CI type-checks
  // other projects beside this test on the same two cores (sdk-e2e measured 141–145 ms there once).
  it('after logout-all the access token is refused by orders and inventory within 500 ms (pushed, not polled)', async () => {
    const { access } = await userToken();
    expect(await getStatus(`${c.orders.url}/orders`, access)).toBe(200);
    expect(await getStatus(`${c.inventory.url}/items`, access)).toBe(200);
    const res = await fetch(`${c.auth.url}/auth/logout-all`, { method: 'POST', headers: { authorization: `Bearer ${access}` } });
    expect(res.status).toBe(204);
    const ms = await pollUntil(async () => (await getStatus(`${c.orders.url}/orders`, access)) === 401 && (await getStatus(`${c.inventory.url}/items`, access)) === 401, 2000);
    process.stdout.write(`e2e: logout-all → rejected by orders and inventory in ${ms.toFixed(1)} ms\n`);
    expect(ms).toBeLessThan(500);
  });

  it('a verifier started after the revocation rejects the token on its very first request', async () => {
    const { access } = await userToken();
    await fetch(`${c.auth.url}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${access}` } });
    await pollUntil(async () => (await getStatus(`${c.orders.url}/orders`, access)) === 401);
    const late = await c.startVerifier('orders-service');
    expect(await getStatus(`${late.url}/orders`, access)).toBe(401);
    expect(await getStatus(`${late.url}/orders`, (await userToken()).access)).toBe(200);
  });

  it('100 concurrent orders of one user cause at most one token exchange', async () => {
    const scrape = async () => {
      const text = await (await fetch(`${c.auth.url}/metrics`)).text();
      const m = text.match(/http_request_duration_seconds_count\{[^}]*route="\/oauth\/token"[^}]*status="200"[^}]*\} (\d+)/);
      return m ? Number(m[1]) : 0;
    };
    const before = await scrape();
    const late = await c.startVerifier('orders-service'); // fresh process: empty token cache
    const { access } = await userToken();
    const results = await Promise.all(Array.from({ length: 100 }, () => post(`${late.url}/orders`, { sku: 'widget', quantity: 1 }, access)));
    expect(results.every((r) => r.status === 201)).toBe(true);
    expect((await scrape()) - before).toBe(1);
  });

  it('a verifier reconnects after NATS restarts and applies events published meanwhile', async () => {
    const a = await userToken();
    const b = await userToken();
    await c.nats.kill();
    await c.nats.start();
    // Revoke while verifiers may still be reconnecting: the outbox and JetStream carry it.
    await fetch(`${c.auth.url}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${a.access}` } });
    await pollUntil(async () => (await getStatus(`${c.orders.url}/orders`, a.access)) === 401 && (await getStatus(`${c.inventory.url}/items`, a.access)) === 401, 15_000);
    expect(await getStatus(`${c.orders.url}/orders`, b.access)).toBe(200);
  });
});
