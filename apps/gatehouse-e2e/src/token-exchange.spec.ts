import { readSigningKeys } from '@gatehouse/testing';
import { randomUUID, sign, type KeyObject } from 'node:crypto';
import { getStatus, pollUntil, post, startCluster, type Cluster } from './cluster';

const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS = 'urn:ietf:params:oauth:token-type:access_token';
const REFRESH = 'urn:ietf:params:oauth:token-type:refresh_token';

type Claims = Record<string, unknown> & { sub: string; sid?: string; exp: number; act?: unknown };

/**
 * RFC 8693 token exchange through the built services: the order flow carries the user to
 * inventory-service, every refusal the issue lists answers with its RFC error (never a 5xx), and
 * an exchanged token dies at inventory with the user's session, subject, the acting client and
 * the origin client, through the existing events.
 */
describe('end to end: token exchange (on behalf of the user)', () => {
  jest.setTimeout(120_000);
  let c: Cluster;
  let admin: string;
  let key: KeyObject;
  let kid: string;
  const secrets: Record<string, string> = {};
  let n = 0;

  beforeAll(async () => {
    c = await startCluster('exch');
    [{ key, kid }] = (await readSigningKeys(c.dbs.auth.url, c.kek)) as [{ kid: string; key: KeyObject }];
    admin = String((await post(`${c.auth.url}/auth/login`, c.admin)).body['access_token']);
    const policy = (subject: string, audience: string, scope: string, subjectScope?: string) => ({ subject_audience: subject, targets: [{ audience, scope, ...(subjectScope ? { subject_scope: subjectScope } : {}) }] });
    await register({ client_id: 'ex-orders', audiences: ['inventory'], scope: 'inventory:reserve', token_exchange: policy('orders', 'inventory', 'inventory:reserve', 'orders:write') });
    await register({ client_id: 'ex-inventory', audiences: ['orders'], scope: 'orders:read', token_exchange: policy('inventory', 'orders', 'orders:read') });
    await register({ client_id: 'ex-nopolicy', audiences: ['inventory'], scope: 'inventory:reserve' });
    // A registered app users sign in to (its tokens carry client_id ex-app): the origin client of an exchange.
    await register({ client_id: 'ex-app', audiences: ['orders'], scope: 'orders:read orders:write' });
  });
  afterAll(() => c?.stop());

  async function register(doc: Record<string, unknown>): Promise<void> {
    const res = await post(`${c.auth.url}/admin/clients`, doc, admin);
    expect(res.status).toBe(201);
    secrets[String(doc['client_id'])] = String(res.body['client_secret']);
  }

  async function user(login: Record<string, unknown> = {}): Promise<{ access: string; refresh: string; claims: Claims }> {
    const email = `exch${++n}@example.com`;
    expect((await post(`${c.auth.url}/auth/register`, { email, password: 'exchange-password' })).status).toBe(201);
    const res = await post(`${c.auth.url}/auth/login`, { email, password: 'exchange-password', ...login });
    expect(res.status).toBe(200);
    const access = String(res.body['access_token']);
    return { access, refresh: String(res.body['refresh_token']), claims: decode(access) };
  }

  function decode(token: string): Claims {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Claims;
  }

  async function tokenRequest(clientId: string, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${c.auth.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${secrets[clientId] ?? 'none'}`).toString('base64')}` },
      body: new URLSearchParams(form),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  const exchange = (clientId: string, subjectToken: string, extra: Record<string, string> = {}) =>
    tokenRequest(clientId, { grant_type: EXCHANGE, subject_token: subjectToken, subject_token_type: ACCESS, audience: 'inventory', ...extra });

  async function exchanged(clientId: string, subjectToken: string, extra: Record<string, string> = {}): Promise<string> {
    const res = await exchange(clientId, subjectToken, extra);
    expect(res).toMatchObject({ status: 200, body: { issued_token_type: ACCESS, token_type: 'Bearer' } });
    return String(res.body['access_token']);
  }

  /** An access token signed with auth-service's own key (the test reads it from its database). */
  function mint(claims: Record<string, unknown>): string {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${b64({ alg: 'RS256', typ: 'at+jwt', kid })}.${b64(claims)}`;
    return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
  }

  it('the order flow carries the user to inventory: the reservation records the user and orders-service, shown in inventory\'s API', async () => {
    const u = await user();
    const created = await post(`${c.orders.url}/orders`, { sku: 'widget', quantity: 1 }, u.access);
    expect(created.status).toBe(201);
    expect(created.body['reservation']).toEqual({ reservedBy: 'orders-e2e', userId: u.claims.sub });
    // The user reads it at inventory with their own token; nobody else can.
    const mine = await fetch(`${c.inventory.url}/items/reservations/${String(created.body['reservationId'])}`, { headers: { authorization: `Bearer ${u.access}` } });
    expect(mine.status).toBe(200);
    expect(await mine.json()).toMatchObject({ orderId: created.body['id'], reservedBy: 'orders-e2e', userId: u.claims.sub });
    expect(await getStatus(`${c.inventory.url}/items/reservations/${String(created.body['reservationId'])}`, (await user()).access)).toBe(404);
  });

  it('issues an RFC 9068 token: sub the user, act the client, aud the target, the user\'s sid, exp ≤ the subject\'s; introspection and the audit log show act', async () => {
    const u = await user();
    const res = await exchange('ex-orders', u.access, { scope: 'inventory:reserve' });
    expect(res).toMatchObject({ status: 200, body: { issued_token_type: ACCESS, token_type: 'Bearer', scope: 'inventory:reserve' } });
    const token = String(res.body['access_token']);
    const claims = decode(token);
    expect(claims).toMatchObject({ sub: u.claims.sub, act: { sub: 'ex-orders' }, aud: 'inventory', sid: u.claims.sid, client_id: 'ex-orders', origin_client_id: 'gatehouse', scope: 'inventory:reserve' });
    expect(claims.exp).toBeLessThanOrEqual(u.claims.exp);
    expect(Number(res.body['expires_in'])).toBeLessThanOrEqual(u.claims.exp - Math.floor(Date.now() / 1000) + 1);
    expect(JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString())).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });

    const introspected = await tokenRequestTo('/oauth/introspect', 'ex-inventory', { token });
    expect(introspected).toMatchObject({ active: true, sub: u.claims.sub, act: { sub: 'ex-orders' }, client_id: 'ex-orders', origin_client_id: 'gatehouse' });
    const audit = await auditRows(u.claims.sub);
    expect(audit).toContainEqual(expect.objectContaining({ event: 'token_exchanged', client_id: 'ex-orders', details: expect.objectContaining({ act: 'ex-orders', audience: 'inventory', scope: 'inventory:reserve' }) }));

    // The exchanged token works at inventory, and is refused by the wrong service (orders).
    expect(await getStatus(`${c.inventory.url}/items`, token)).toBe(200);
    expect(await getStatus(`${c.orders.url}/orders`, token)).toBe(401);
  });

  async function tokenRequestTo(path: string, clientId: string, form: Record<string, string>): Promise<Record<string, unknown>> {
    const res = await fetch(`${c.auth.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${secrets[clientId] ?? ''}`).toString('base64')}` },
      body: new URLSearchParams(form),
    });
    return (await res.json()) as Record<string, unknown>;
  }

  async function auditRows(userId: string): Promise<{ event: string; client_id: string | null; details: Record<string, unknown> }[]> {
    const { Client } = await import('pg');
    const db = new Client({ connectionString: c.dbs.auth.url });
    await db.connect();
    try {
      return (await db.query<{ event: string; client_id: string | null; details: Record<string, unknown> }>('SELECT event, client_id, details FROM audit_log WHERE user_id = $1', [userId])).rows;
    } finally {
      await db.end();
    }
  }

  it('refuses every case of the issue with its RFC error, never a 5xx', async () => {
    const u = await user();
    const service = await tokenRequest('ex-orders', { grant_type: 'client_credentials', audience: 'inventory' });
    const foreign = await user({ audience: 'inventory' });
    const now = Math.floor(Date.now() / 1000);
    const expired = mint({ iss: c.issuer, sub: u.claims.sub, aud: ['orders', 'inventory'], exp: now - 10, iat: now - 400, jti: randomUUID(), client_id: 'gatehouse', scope: 'orders:read orders:write', sid: u.claims.sid });
    const revoked = await user();
    await fetch(`${c.auth.url}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${revoked.access}` } });
    const readOnly = await user({ scope: 'orders:read' });
    // A chain: ex-orders → inventory (depth 1), ex-inventory → orders (depth 2), ex-orders again would be depth 3 > TOKEN_EXCHANGE_MAX_DEPTH (2).
    const hop1 = await exchanged('ex-orders', u.access);
    const hop2 = await exchanged('ex-inventory', hop1, { audience: 'orders' });
    expect(decode(hop2)).toMatchObject({ sub: u.claims.sub, aud: 'orders', act: { sub: 'ex-inventory', act: { sub: 'ex-orders' } }, origin_client_id: 'gatehouse', sid: u.claims.sid });

    const cases: [string, Promise<{ status: number; body: Record<string, unknown> }>, number, string][] = [
      ['revoked subject token', exchange('ex-orders', revoked.access), 400, 'invalid_grant'],
      ['expired subject token', exchange('ex-orders', expired), 400, 'invalid_grant'],
      ['foreign-audience subject token (inventory only)', exchange('ex-orders', foreign.access), 400, 'invalid_grant'],
      ['a service token as subject', exchange('ex-orders', String(service.body['access_token'])), 400, 'invalid_grant'],
      ['a refresh token as subject (typed as access token)', exchange('ex-orders', u.refresh), 400, 'invalid_grant'],
      ['a refresh token as subject (typed as refresh token)', exchange('ex-orders', u.refresh, { subject_token_type: REFRESH }), 400, 'invalid_request'],
      ['scope escalation', exchange('ex-orders', u.access, { scope: 'inventory:reserve inventory:admin' }), 400, 'invalid_scope'],
      ['a subject token without the scope the policy requires', exchange('ex-orders', readOnly.access), 400, 'invalid_scope'],
      ['audience escalation', exchange('ex-orders', u.access, { audience: 'orders' }), 400, 'invalid_target'],
      ['two targets', exchange('ex-orders', u.access, { resource: 'orders' }), 400, 'invalid_target'],
      ['a client without a policy', exchange('ex-nopolicy', u.access), 400, 'unauthorized_client'],
      ['a chain past the depth limit', exchange('ex-orders', hop2), 400, 'invalid_grant'],
      ['no subject token', tokenRequest('ex-orders', { grant_type: EXCHANGE, audience: 'inventory' }), 400, 'invalid_request'],
      ['no target', tokenRequest('ex-orders', { grant_type: EXCHANGE, subject_token: u.access, subject_token_type: ACCESS }), 400, 'invalid_request'],
      ['an actor token of another client', exchange('ex-inventory', hop1, { audience: 'orders', actor_token: String(service.body['access_token']), actor_token_type: ACCESS }), 400, 'invalid_grant'],
      ['an actor token without its type', exchange('ex-orders', u.access, { actor_token: String(service.body['access_token']) }), 400, 'invalid_request'],
      ['two client authentications', exchange('ex-orders', u.access, { client_secret: 'x' }), 400, 'invalid_request'],
      ['no client authentication', post(`${c.auth.url}/oauth/token`, { grant_type: EXCHANGE, subject_token: u.access, subject_token_type: ACCESS, audience: 'inventory' }), 401, 'invalid_client'],
      ['a public client id without a secret', post(`${c.auth.url}/oauth/token`, { grant_type: EXCHANGE, client_id: 'gatehouse', subject_token: u.access, subject_token_type: ACCESS, audience: 'inventory' }), 400, 'invalid_request'],
    ];
    const answers = await Promise.all(cases.map(async ([name, res]) => ({ name, ...(await res) })));
    expect(answers.map(({ name, status, body }) => ({ name, status, error: body['error'] }))).toEqual(cases.map(([name, , status, error]) => ({ name, status, error })));
    // A refused exchange leaves no audit row of an exchange.
    expect((await auditRows(revoked.claims.sub)).filter((r) => r.event === 'token_exchanged')).toEqual([]);
    // An actor token of the client itself is accepted.
    expect((await exchange('ex-orders', u.access, { actor_token: String(service.body['access_token']), actor_token_type: ACCESS })).status).toBe(200);
  });

  it('an exchanged token presented to inventory by an actor it does not list cannot reserve; a user\'s or a service\'s own token neither', async () => {
    const u = await user();
    const reserve = (token: string) => post(`${c.inventory.url}/items/widget/reservations`, { quantity: 1, orderId: randomUUID() }, token);
    const ours = await exchanged('ex-orders', u.access);
    expect((await reserve(ours)).status).toBe(403); // ex-orders is not in RESERVATION_ACTORS
    expect((await reserve(u.access)).status).toBe(403);
    const service = String((await tokenRequest('ex-orders', { grant_type: 'client_credentials', audience: 'inventory' })).body['access_token']);
    expect((await reserve(service)).status).toBe(403);
  });

  /** Exchanged tokens held by a service die at inventory within milliseconds of each kind of revocation. */
  async function diesAtInventory(token: string, revoke: () => Promise<unknown>, label: string): Promise<void> {
    expect(await getStatus(`${c.inventory.url}/items`, token)).toBe(200);
    await revoke();
    const ms = await pollUntil(async () => (await getStatus(`${c.inventory.url}/items`, token)) === 401, 3000);
    process.stdout.write(`e2e: ${label} → exchanged token refused by inventory in ${ms.toFixed(1)} ms\n`);
    expect(ms).toBeLessThan(1000);
  }

  it('logout-all stops a further reservation and kills the exchanged tokens at inventory within milliseconds', async () => {
    const u = await user();
    expect((await post(`${c.orders.url}/orders`, { sku: 'widget', quantity: 1 }, u.access)).status).toBe(201);
    const held = await exchanged('ex-orders', u.access);
    const chained = await exchanged('ex-inventory', held, { audience: 'orders' });
    await diesAtInventory(held, () => fetch(`${c.auth.url}/auth/logout-all`, { method: 'POST', headers: { authorization: `Bearer ${u.access}` } }), 'logout-all');
    expect(await getStatus(`${c.orders.url}/orders`, chained)).toBe(401);
    expect((await post(`${c.orders.url}/orders`, { sku: 'widget', quantity: 1 }, u.access)).status).toBe(401);
    expect((await exchange('ex-orders', u.access)).body['error']).toBe('invalid_grant');
  });

  it('logout (one session) and a password change kill the exchanged token of that session', async () => {
    const a = await user();
    await diesAtInventory(await exchanged('ex-orders', a.access), () => fetch(`${c.auth.url}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${a.access}` } }), 'logout');
    const email = `exch${++n}@example.com`;
    await post(`${c.auth.url}/auth/register`, { email, password: 'exchange-password' });
    const other = String((await post(`${c.auth.url}/auth/login`, { email, password: 'exchange-password' })).body['access_token']);
    const current = String((await post(`${c.auth.url}/auth/login`, { email, password: 'exchange-password' })).body['access_token']);
    const token = await exchanged('ex-orders', other);
    await diesAtInventory(token, () => post(`${c.auth.url}/auth/password`, { current_password: 'exchange-password', new_password: 'another-exchange-password' }, current), 'password change');
  });

  it('disabling the user kills the exchanged token', async () => {
    const u = await user();
    await diesAtInventory(await exchanged('ex-orders', u.access), () => post(`${c.auth.url}/admin/users/${u.claims.sub}/disable`, {}, admin), 'user disabled');
  });

  it('revoking the acting client, or the client the user signed in to, kills the exchanged token', async () => {
    await register({ client_id: 'ex-actor', audiences: ['inventory'], scope: 'inventory:reserve', token_exchange: { subject_audience: 'orders', targets: [{ audience: 'inventory', scope: 'inventory:reserve' }] } });
    const viaActor = await exchanged('ex-actor', (await user()).access);
    await diesAtInventory(viaActor, () => post(`${c.auth.url}/admin/clients/ex-actor/revoke`, {}, admin), 'acting client revoked');

    const appUser = await user({ client_id: 'ex-app' });
    const viaOrigin = await exchanged('ex-orders', appUser.access);
    expect(decode(viaOrigin)).toMatchObject({ client_id: 'ex-orders', origin_client_id: 'ex-app' });
    await diesAtInventory(viaOrigin, () => post(`${c.auth.url}/admin/clients/ex-app/revoke`, {}, admin), 'origin client revoked');
    const introspected = await tokenRequestTo('/oauth/introspect', 'ex-orders', { token: viaOrigin });
    expect(introspected).toEqual({ active: false });
  });

  it('a forced key rotation kills the exchanged token', async () => {
    const token = await exchanged('ex-orders', (await user()).access);
    await diesAtInventory(token, () => fetch(`${c.auth.url}/admin/keys/rotate`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } }), 'forced key rotation');
  });
});
