import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { DataSource } from 'typeorm';
import { KeyRotationService } from '../app/keys/key-rotation.service';
import { UsersService } from '../app/users/users.service';
import { testStream } from './stream-helpers';
import { postJson, startAuthService, type TestAuthService } from './test-auth-app';

// lead = PUBLISH_AHEAD + CHECK_INTERVAL = 2 s; a retired key stays TTL + CHECK + SKEW = 31 s.
const FAST = { KEY_ROTATION_INTERVAL: '5', KEY_PUBLISH_AHEAD: '3', KEY_CHECK_INTERVAL: '1', KEY_CLOCK_SKEW: '0', ACCESS_TOKEN_TTL: '30' };
const TAIL_MS = 31_000;
const PASSWORD = 'rotation-password';

interface KeyRow { kid: string; activate_at: Date; retire_at: Date | null; expire_at: Date | null; now: Date }

const jwks = async (svc: TestAuthService): Promise<JSONWebKeySet> => (await fetch(`${svc.url}/.well-known/jwks.json`)).json() as Promise<JSONWebKeySet>;
const kidsOf = (set: JSONWebKeySet): string[] => set.keys.map((k) => String(k.kid)).sort();
const kidOf = (token: string): string => String(decodeProtectedHeader(token).kid);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const liveRows = (svc: TestAuthService): Promise<KeyRow[]> =>
  svc.app.get(DataSource).query(`SELECT kid, activate_at, retire_at, expire_at, now() AS now FROM signing_keys
    WHERE publish_at <= now() AND (expire_at IS NULL OR expire_at > now()) ORDER BY activate_at`);

async function login(svc: TestAuthService, email: string): Promise<string> {
  const res = await postJson(`${svc.url}/auth/login`, { email, password: PASSWORD });
  expect(res.status).toBe(200);
  return String(res.body['access_token']);
}
async function verify(svc: TestAuthService, set: JSONWebKeySet, token: string): Promise<void> {
  await jwtVerify(token, createLocalJWKSet(set), { issuer: svc.config.ISSUER, audience: 'orders', algorithms: ['RS256'], typ: 'at+jwt' });
}
/** Polls `probe` until it returns a value (not undefined) or the deadline passes. */
async function waitFor<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('automatic and forced signing key rotation', () => {
  let a: TestAuthService;
  const user = 'rotating@example.com';
  const first = { kid: '', token: '', lastExp: 0 };

  beforeAll(async () => {
    a = await startAuthService('key_rotation', FAST);
    expect((await postJson(`${a.url}/auth/register`, { email: user, password: PASSWORD })).status).toBe(201);
  });
  afterAll(() => a?.dispose());

  it('publishes the next key before it signs anything, and tokens of the old key keep verifying after the switch', async () => {
    first.token = await login(a, user);
    first.kid = kidOf(first.token);
    let prePublished = false;
    const switched = await waitFor('the next key to start signing', 10_000, async () => {
      const before = await jwks(a);
      const token = await login(a, user);
      // Whatever signs a token was in the JWKS served before that token existed.
      expect(kidsOf(before)).toContain(kidOf(token));
      if (kidOf(token) === first.kid) {
        first.lastExp = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp;
        prePublished ||= before.keys.length === 2;
        return undefined;
      }
      return { token, before };
    });
    expect(prePublished).toBe(true);
    expect(kidsOf(switched.before)).toEqual([first.kid, kidOf(switched.token)].sort());
    const after = await jwks(a);
    await verify(a, after, first.token);
    await verify(a, after, switched.token);
  }, 15_000);

  it('serves exactly the live keys of the database: one current, at most one next, and only still-needed old keys', async () => {
    const until = Date.now() + 4000;
    while (Date.now() < until) {
      const before = (await liveRows(a)).map((r) => r.kid);
      const served = kidsOf(await jwks(a));
      const rows = await liveRows(a);
      const after = rows.map((r) => r.kid);
      for (const kid of before.filter((k) => after.includes(k))) expect(served).toContain(kid);
      for (const kid of served) expect([...before, ...after]).toContain(kid);

      const now = rows[0]!.now.getTime();
      expect(rows.filter((r) => r.activate_at.getTime() > now).length).toBeLessThanOrEqual(1);
      const activated = rows.filter((r) => r.activate_at.getTime() <= now);
      activated.slice(0, -1).forEach((old, i) => {
        const successorAt = activated[i + 1]!.activate_at.getTime();
        if (old.expire_at === null) expect(now - successorAt).toBeLessThan(4000); // retirement is at most a check (plus load) away
        else expect([old.retire_at?.getTime(), old.expire_at.getTime()]).toEqual([successorAt, successorAt + TAIL_MS]);
      });
      await sleep(150);
    }
  }, 10_000);

  it('two instances on one database create exactly one key per rotation step', async () => {
    const b1 = await startAuthService('key_rotation_pair', FAST);
    const b2 = await startAuthService('key_rotation_pair', { ...FAST, KEY_ENCRYPTION_KEY: b1.config.KEY_ENCRYPTION_KEY! }, b1.db);
    try {
      const checks = [b1, b2].map((s) => s.app.get(KeyRotationService));
      const until = Date.now() + 7000;
      while (Date.now() < until) {
        await Promise.all([...checks, ...checks].map((c) => c.check()));
        await sleep(100);
      }
      const ds = b1.app.get(DataSource);
      const rows: { kid: string; activate_at: Date }[] = await ds.query('SELECT kid, activate_at FROM signing_keys ORDER BY activate_at');
      expect(rows.length).toBeGreaterThanOrEqual(3);
      rows.slice(1).forEach((r, i) => expect(r.activate_at.getTime() - rows[i]!.activate_at.getTime()).toBeGreaterThanOrEqual(3000));
      const audited: { n: number }[] = await ds.query(`SELECT count(*)::int AS n FROM audit_log WHERE event = 'key_rotated'`);
      expect(audited[0]!.n).toBe(rows.length);
      await Promise.all(checks.map((c) => c.check()));
      expect(kidsOf(await jwks(b2))).toEqual(kidsOf(await jwks(b1)));
    } finally {
      await b2.stop();
      await b1.dispose();
    }
  }, 20_000);

  it('POST /admin/keys/rotate: admins only; the new key signs at once, the others leave at once, one event and one audit row', async () => {
    const c = await startAuthService('key_rotation_forced', { KEY_CHECK_INTERVAL: '1' });
    const c2 = await startAuthService('key_rotation_forced', { KEY_CHECK_INTERVAL: '1', KEY_ENCRYPTION_KEY: c.config.KEY_ENCRYPTION_KEY! }, c.db);
    try {
      const admin = await c.app.get(UsersService).register('root@example.com', PASSWORD, true);
      await postJson(`${c.url}/auth/register`, { email: 'plain@example.com', password: PASSWORD });
      const adminToken = await login(c, 'root@example.com');
      const oldKid = kidOf(adminToken);
      const rotate = (token?: string) => postJson(`${c.url}/admin/keys/rotate`, {}, token ? { authorization: `Bearer ${token}` } : {});
      expect((await rotate()).status).toBe(401);
      expect((await rotate(await login(c, 'plain@example.com'))).status).toBe(403);

      const res = await rotate(adminToken);
      expect(res.status).toBe(200);
      const kid = String(res.body['kid']);
      expect(kid).not.toBe(oldKid);
      expect(kidsOf(await jwks(c))).toEqual([kid]);
      const fresh = await login(c, 'plain@example.com');
      expect(kidOf(fresh)).toBe(kid);
      await verify(c, await jwks(c), fresh);
      await expect(verify(c, await jwks(c), adminToken)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
      expect((await rotate(adminToken)).status).toBe(401);

      // The other replica follows on its next check.
      await waitFor('the second replica to drop the old key', 3000, async () => (kidsOf(await jwks(c2)).join() === kid ? true : undefined));
      expect(kidOf(await login(c2, 'plain@example.com'))).toBe(kid);

      const ds = c.app.get(DataSource);
      const events: { payload: unknown }[] = await ds.query(`SELECT payload FROM outbox WHERE subject = 'gatehouse.keys.rotated'`);
      expect(events).toEqual([{ payload: { v: 1, kids: [kid] } }]);
      const audits: { user_id: string; details: Record<string, unknown> }[] = await ds.query(
        `SELECT user_id, details FROM audit_log WHERE event = 'key_rotated' AND details->>'reason' = 'forced'`,
      );
      expect(audits).toEqual([{ user_id: admin.id, details: { reason: 'forced', kid, dropped: 1 } }]);
    } finally {
      await c2.stop();
      await c.dispose();
    }
  }, 20_000);

  it('a forced rotation reaches the other replicas at once, not at their next key check', async () => {
    const ts = await testStream('keys_notify');
    const slow = { ...ts.env, KEY_CHECK_INTERVAL: '3600' };
    const c = await startAuthService('key_rotation_notify', slow);
    const c2 = await startAuthService('key_rotation_notify', { ...slow, KEY_ENCRYPTION_KEY: c.config.KEY_ENCRYPTION_KEY! }, c.db);
    try {
      await postJson(`${c.url}/auth/register`, { email: 'plain@example.com', password: PASSWORD });
      const oldKid = kidOf(await login(c2, 'plain@example.com'));
      const admin = await c.app.get(UsersService).register('root@example.com', PASSWORD, true);
      const kid = await c.app.get(KeyRotationService).forceRotate({ userId: admin.id });
      expect(kid).not.toBe(oldKid);
      await waitFor('the second replica to sign with the new key', 3000, async () => (kidOf(await login(c2, 'plain@example.com')) === kid ? true : undefined));
      expect(kidsOf(await jwks(c2))).toEqual([kid]);
    } finally {
      await c2.stop();
      await c.dispose();
      await ts.close();
    }
  }, 30_000);

  it('keeps the first key published until its expire_at (after every token it signed), then drops it', async () => {
    const ds = a.app.get(DataSource);
    const [row] = (await ds.query('SELECT expire_at FROM signing_keys WHERE kid = $1', [first.kid])) as { expire_at: Date | null }[];
    const expireAt = row!.expire_at!.getTime();
    expect(expireAt).toBeGreaterThanOrEqual(first.lastExp * 1000);
    await waitFor('the first key to leave the JWKS', expireAt - Date.now() + 3000, async () => {
      const present = kidsOf(await jwks(a)).includes(first.kid);
      if (Date.now() < expireAt - 50) expect(present).toBe(true);
      return present ? undefined : true;
    });
    expect(Date.now()).toBeGreaterThanOrEqual(expireAt);
    await waitFor('the expired row to be deleted', 3000, async () => {
      const left: unknown[] = await ds.query('SELECT 1 FROM signing_keys WHERE kid = $1', [first.kid]);
      return left.length === 0 ? true : undefined;
    });
  }, 40_000);
});
