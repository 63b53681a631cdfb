import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Janitor, type JanitorReport } from '../app/janitor/janitor.service';
import { postForm, postJson, startAuthService, type TestAuthService } from './test-auth-app';

const TABLES = ['refresh_tokens', 'sessions', 'outbox', 'login_throttle', 'revoked_tokens', 'audit_log'] as const;
type Counts = Record<(typeof TABLES)[number], number>;
const DAY = 86_400;

/**
 * Storage stays flat: each simulated "two days" of traffic (rotations, logins, logouts, idle
 * sessions, failed logins, revoked tokens, published events) is followed by moving every timestamp
 * two days into the past and a janitor run; after the first cycles the row counts stop growing.
 */
describe('janitor: bounded storage', () => {
  let svc: TestAuthService;
  let ds: DataSource;
  let n = 0;

  beforeAll(async () => {
    svc = await startAuthService('janitor', {
      REFRESH_REUSE_GRACE: '0',
      REFRESH_TOKEN_TTL: String(3 * DAY),
      RETENTION_REFRESH_TOKENS: '0',
      RETENTION_SESSIONS: String(DAY),
      RETENTION_OUTBOX: '7200',
      RETENTION_AUDIT_LOG: String(DAY),
      JANITOR_BATCH_SIZE: '7',
      JANITOR_BATCH_PAUSE: '0',
      LOGIN_IP_MAX_FAILURES: '10000',
    });
    ds = svc.app.get(DataSource);
  });
  afterAll(() => svc.dispose());

  const refresh = async (token: string) => postForm(`${svc.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: token });
  async function user(): Promise<string> {
    const email = `j${++n}@example.com`;
    expect((await postJson(`${svc.url}/auth/register`, { email, password: 'janitor-pass' })).status).toBe(201);
    return email;
  }
  async function login(email: string): Promise<{ access: string; refresh: string }> {
    const res = await postJson(`${svc.url}/auth/login`, { email, password: 'janitor-pass' });
    expect(res.status).toBe(200);
    return { access: String(res.body['access_token']), refresh: String(res.body['refresh_token']) };
  }
  async function rotate(token: string, times: number): Promise<string[]> {
    const chain = [token];
    for (let i = 0; i < times; i++) {
      const res = await refresh(chain[chain.length - 1] ?? '');
      expect(res.status).toBe(200);
      chain.push(String(res.body['refresh_token']));
    }
    return chain;
  }
  async function counts(): Promise<Counts> {
    const out = {} as Counts;
    for (const t of TABLES) out[t] = Number(((await ds.query(`SELECT count(*) AS n FROM ${t}`)) as { n: string }[])[0]?.n);
    return out;
  }
  /** Moves every timestamp of every growing table `seconds` into the past. */
  async function travel(seconds: number): Promise<void> {
    const d = `make_interval(secs => ${seconds})`;
    await ds.query(`UPDATE sessions SET created_at = created_at - ${d}, last_used_at = last_used_at - ${d}, idle_expires_at = idle_expires_at - ${d},
                      absolute_expires_at = absolute_expires_at - ${d}, revoked_at = revoked_at - ${d}`);
    await ds.query(`UPDATE refresh_tokens SET created_at = created_at - ${d}, expires_at = expires_at - ${d}, rotated_at = rotated_at - ${d}, revoked_at = revoked_at - ${d}`);
    await ds.query(`UPDATE outbox SET created_at = created_at - ${d}, sent_at = sent_at - ${d}`);
    await ds.query(`UPDATE login_throttle SET window_start = window_start - ${d}, locked_until = locked_until - ${d}`);
    await ds.query(`UPDATE revoked_tokens SET expires_at = expires_at - ${d}`);
    await ds.query(`UPDATE audit_log SET at = at - ${d}`);
  }
  /** Two days of traffic: the live client rotates, three users come and go, one session idles out. */
  async function trafficCycle(live: { token: string }): Promise<string[]> {
    const chain = await rotate(live.token, 12);
    live.token = chain[chain.length - 1] ?? '';
    for (let i = 0; i < 3; i++) {
      const s = await login(await user());
      await rotate(s.refresh, 4);
      expect((await fetch(`${svc.url}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${s.access}` } })).status).toBe(204);
    }
    await login(await user()); // never used again: idles out
    const revoked = await login(await user());
    expect((await postForm(`${svc.url}/oauth/revoke`, { token: revoked.access, client_id: 'gatehouse' })).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      expect((await postJson(`${svc.url}/auth/login`, { email: `nobody-${randomBytes(6).toString('hex')}@example.com`, password: 'whatever-pass' })).status).toBe(401);
    }
    await ds.query('UPDATE outbox SET sent_at = now() WHERE sent_at IS NULL'); // as the relay would
    return chain;
  }

  it('row counts go flat under steady traffic; reuse detection of the live family survives every run', async () => {
    const liveUser = await user();
    const live = { token: (await login(liveUser)).refresh };
    const history: Counts[] = [];
    let lastChain: string[] = [];
    for (let cycle = 0; cycle < 5; cycle++) {
      lastChain = await trafficCycle(live);
      await travel(2 * DAY);
      const report = await svc.app.get(Janitor).run();
      expect(report.ran).toBe(true);
      history.push(await counts());
    }
    // The first cycles fill the retention windows; from then on every table stays where it is.
    for (const t of TABLES) {
      expect([history[2]?.[t], history[3]?.[t]]).toEqual([history[4]?.[t], history[4]?.[t]]);
    }
    // And without the janitor the same traffic grows every table.
    const before = await counts();
    await trafficCycle(live);
    const after = await counts();
    for (const t of TABLES) expect(after[t]).toBeGreaterThan(before[t]);

    // What remains of the live family: its rotated tokens that have not expired, and the live one.
    const liveRows = (await ds.query(
      `SELECT count(*) FILTER (WHERE rotated_at IS NULL) AS current, count(*) FILTER (WHERE expires_at < now()) AS expired
         FROM refresh_tokens rt JOIN users u ON u.id = rt.user_id WHERE u.email = $1`,
      [liveUser],
    )) as { current: string; expired: string }[];
    expect(liveRows[0]).toEqual({ current: '1', expired: '0' });

    // A replayed old token of the live family (rotated two days ago, before the last janitor run) still revokes the family.
    const old = lastChain[3] ?? '';
    expect((await refresh(old)).body['error']).toBe('invalid_grant');
    expect((await refresh(live.token)).body['error']).toBe('invalid_grant');
    const reuse = (await ds.query(`SELECT count(*) AS n FROM audit_log WHERE event = 'refresh_reuse_detected'`)) as { n: string }[];
    expect(reuse[0]?.n).toBe('1');
  }, 120_000);

  it('--dry-run counts exactly what a run then deletes and deletes nothing; --keep-if-younger keeps younger rows', async () => {
    const s = await login(await user());
    await rotate(s.refresh, 3);
    await ds.query('UPDATE outbox SET sent_at = now() WHERE sent_at IS NULL');
    await travel(5 * DAY);
    const janitor = svc.app.get(Janitor);
    const before = await counts();
    const dry = await janitor.run({ dryRun: true });
    expect(dry).toMatchObject({ ran: true, dryRun: true });
    expect(await counts()).toEqual(before);
    const wouldGo = dry.rules.reduce((sum, r) => sum + r.rows, 0);
    expect(wouldGo).toBeGreaterThan(0);

    const kept = await janitor.run({ keepIfYoungerSeconds: 30 * DAY });
    expect(kept.rules.reduce((sum, r) => sum + r.rows, 0)).toBe(0);
    expect(await counts()).toEqual(before);

    const real = await janitor.run();
    const after = await counts();
    const dryRows = byRule(dry);
    for (const t of TABLES) {
      const rules = real.rules.filter((r) => r.table === t);
      // What went is what the report says went; a dry run counts each rule on its own, so a row two
      // rules of one table match (an expired rotated token of an ended session) counts under both.
      expect({ t, went: before[t] - after[t] }).toEqual({ t, went: rules.reduce((sum, r) => sum + r.rows, 0) });
      for (const r of rules) {
        if (rules.length === 1) expect(r.rows).toBe(dryRows[r.rule]);
        else expect(r.rows).toBeLessThanOrEqual(dryRows[r.rule] ?? 0);
      }
    }
    expect(after.refresh_tokens).toBeLessThan(before.refresh_tokens);
    expect(real.rules.find((r) => r.rule === 'refresh_tokens_rotated')?.batches).toBeGreaterThan(0);
    // Batches of JANITOR_BATCH_SIZE (7): a rule that deleted more than 7 rows took several statements.
    for (const r of real.rules) expect(r.batches).toBeGreaterThanOrEqual(Math.ceil((r.rows + 1) / 7));
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metrics).toMatch(/janitor_rows_deleted_total\{rule="outbox",table="outbox"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/janitor_last_run_timestamp_seconds\{[^}]*\} [1-9]/);
  });

  it('one janitor at a time: while another connection holds the lock a run does nothing', async () => {
    await ds.query(`INSERT INTO audit_log (event, at) VALUES ('logout', now() - interval '400 days')`);
    const other = new Client({ connectionString: svc.db.url });
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock(7316004)');
      const report = await svc.app.get(Janitor).run();
      expect(report).toMatchObject({ ran: false, rules: [] });
      expect(report.reason).toMatch(/lock/);
      await other.query('SELECT pg_advisory_unlock(7316004)');
      const after = await svc.app.get(Janitor).run();
      expect(after.rules.find((r) => r.rule === 'audit_log')?.rows).toBe(1);
    } finally {
      await other.end();
    }
  });
});

function byRule(report: JanitorReport): Record<string, number> {
  return Object.fromEntries(report.rules.map((r) => [r.rule, r.rows]));
}

describe('janitor command', () => {
  it('prints one JSON report on stdout', async () => {
    const svc = await startAuthService('janitorcli');
    try {
      const { janitorCommand } = await import('../app/janitor/janitor-cli');
      let out = '';
      await janitorCommand(svc.app, { dryRun: true }, { write: (chunk: string) => ((out += chunk), true) } as NodeJS.WritableStream);
      const lines = out.trim().split('\n');
      expect(lines).toHaveLength(1);
      const report = JSON.parse(lines[0] ?? '') as JanitorReport;
      expect(report).toMatchObject({ ran: true, dryRun: true });
      expect(report.rules.map((r) => r.rule)).toEqual(svc.app.get(Janitor).rules().map((r) => r.name));
    } finally {
      await svc.dispose();
    }
  });
});
