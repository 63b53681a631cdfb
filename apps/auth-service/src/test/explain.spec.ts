import { createHash } from 'node:crypto';
import { bulkLoad } from '@gatehouse/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { RETENTION_RULES } from '../app/janitor/retention-rules';
import { LIVE_WINDOW_SECONDS, RESTORE_PAGE_SQL } from '../app/events/restore-events';
import { OLDEST_LIVE_ROW_SQL } from '../app/events/stream-guard';
import { SELECT_TOKEN } from '../app/refresh/refresh-token.service';
import { startAuthService, type TestAuthService } from './test-auth-app';

const USERS = 100_000;
const SESSIONS = 200_000;
const TOKENS = 2_000_000;
const AUDIT = 500_000;
/** outbox, login_throttle, revoked_tokens: big enough that a full scan would be chosen only for cause. */
const SMALL = 50_000;
/** Registered apps (clients) for the consents rule. */
const APPS = 2_000;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/** The history: users, their sessions (a tenth revoked), refresh tokens (most rotated), audit rows over 80 days, and the small tables. */
async function load(c: Client): Promise<void> {
  await c.query(`INSERT INTO users (id, email, password_hash, scopes)
    SELECT md5('u' || i)::uuid, 'u' || i || '@example.com', 'x', '{}' FROM generate_series(1, ${USERS}) i`);
  await c.query(`INSERT INTO sessions (id, user_id, client_id, kind, created_at, last_used_at, idle_expires_at, absolute_expires_at, revoked_at)
    SELECT md5('s' || i)::uuid, md5('u' || (1 + i % ${USERS}))::uuid, 'gatehouse', 'api', now() - interval '20 days', now(),
           now() + interval '14 days', now() + interval '10 days', CASE WHEN i % 10 = 0 THEN now() - interval '1 day' END
      FROM generate_series(1, ${SESSIONS}) i`);
  await c.query(`INSERT INTO refresh_tokens (family_id, session_id, user_id, client_id, scopes, audiences, token_hash, created_at, expires_at, rotated_at)
    SELECT s, s, md5('u' || (1 + (i % ${SESSIONS}) % ${USERS}))::uuid, 'gatehouse', '{}', '{}', sha256(('t' || i)::bytea),
           now() - interval '1 day', now() + interval '13 days', CASE WHEN i > ${SESSIONS} THEN now() END
      FROM generate_series(1, ${TOKENS}) i, LATERAL (SELECT md5('s' || (1 + i % ${SESSIONS}))::uuid AS s) x`);
  await c.query(`INSERT INTO audit_log (event, user_id, ip, at)
    SELECT 'login_ok', md5('u' || (1 + i % ${USERS}))::uuid, '10.0.0.1', now() - (i % 80) * interval '1 day' FROM generate_series(1, ${AUDIT}) i`);
  await c.query(`INSERT INTO outbox (subject, payload, created_at, sent_at, stream_seq)
    SELECT 'gatehouse.revoked.session', '{}', now() - interval '1 hour', now() - interval '1 hour', CASE WHEN i % 2 = 0 THEN i END FROM generate_series(1, ${SMALL}) i`);
  await c.query(`INSERT INTO login_throttle (key, failures, window_start) SELECT 'acct:n' || i || '@example.com', 1, now() FROM generate_series(1, ${SMALL}) i`);
  await c.query(`INSERT INTO revoked_tokens (jti, expires_at) SELECT 'j' || i, now() + interval '5 minutes' FROM generate_series(1, ${SMALL}) i`);
  await c.query(`INSERT INTO auth_challenges (token_hash, purpose, user_id, expires_at)
    SELECT sha256(('c' || i)::bytea), 'second_factor', md5('u' || (1 + i % ${USERS}))::uuid, now() + interval '5 minutes' FROM generate_series(1, ${SMALL}) i`);
  // The OpenID Provider's tables: apps (a tenth revoked a day ago), consents, codes, deliveries.
  await c.query(`INSERT INTO clients (id, name, audiences, scopes, redirect_uris, token_endpoint_auth_method, grant_types, revoked_at)
    SELECT 'app-' || i, 'App ' || i, '{orders}', '{openid}', ARRAY['https://app' || i || '.example/cb'], 'none', '{authorization_code}',
           CASE WHEN i % 10 = 0 THEN now() - interval '1 day' END FROM generate_series(1, ${APPS}) i`);
  await c.query(`INSERT INTO consents (user_id, client_id, scopes, audiences)
    SELECT md5('u' || (1 + i % ${USERS}))::uuid, 'app-' || (1 + i % ${APPS}), '{openid}', '{orders}' FROM generate_series(1, ${SMALL}) i ON CONFLICT DO NOTHING`);
  await c.query(`INSERT INTO authorization_codes (code_hash, client_id, user_id, web_session_id, redirect_uri, code_challenge, scopes, audiences, auth_time, expires_at, used_at)
    SELECT sha256(('c' || i)::bytea), 'app-1', md5('u' || (1 + i % ${USERS}))::uuid, md5('s' || i)::uuid, 'https://app1.example/cb', 'x', '{openid}', '{orders}',
           now(), now() + interval '1 minute', CASE WHEN i % 2 = 0 THEN now() END FROM generate_series(1, ${SMALL}) i`);
  await c.query(`INSERT INTO logout_deliveries (client_id, user_id, session_id, uri, delivered_at)
    SELECT 'app-1', md5('u' || (1 + i % ${USERS}))::uuid, md5('s' || i)::uuid, 'https://app1.example/bc', CASE WHEN i % 2 = 0 THEN now() - interval '1 hour' END
      FROM generate_series(1, ${SMALL}) i`);
}

/** Every node of a plan, depth first. */
function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/**
 * The hot paths stay index lookups with millions of rows of history: refresh tokens by hash,
 * by session and by user; sessions by user and by cookie; the audit log by user; and each
 * retention rule's batch (so the janitor never scans a whole table per batch). The history is
 * written with generate_series in the test's own database (bulkLoad: indexes rebuilt from their
 * migrations' definitions afterwards), then ANALYZEd so the planner sees it.
 */
describe('indexes at millions of rows (EXPLAIN)', () => {
  let svc: TestAuthService;
  let ds: DataSource;
  const uid = (i: number) => createHash('md5').update(`u${i}`).digest('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

  beforeAll(async () => {
    svc = await startAuthService('explain', { JANITOR_INTERVAL: '0' });
    const t0 = Date.now();
    ds = svc.app.get(DataSource);
    const client = new Client({ connectionString: svc.db.url });
    await client.connect();
    try {
      await bulkLoad(client, ['users', 'sessions', 'refresh_tokens', 'audit_log', 'outbox', 'login_throttle', 'revoked_tokens', 'clients', 'consents', 'authorization_codes', 'logout_deliveries'], () => load(client), { dropKeysOf: ['refresh_tokens'] });
      process.stderr.write(`explain.spec: history written in ${Date.now() - t0} ms\n`);
    } finally {
      await client.end();
    }
  }, 120_000);
  afterAll(() => svc?.dispose());

  async function plan(sql: string, params: unknown[]): Promise<PlanNode[]> {
    const rows = (await ds.query(`EXPLAIN (FORMAT JSON) ${sql}`, params)) as { 'QUERY PLAN': { Plan: PlanNode }[] }[];
    const root = rows[0]?.['QUERY PLAN'][0]?.Plan;
    if (!root) throw new Error('no plan');
    return nodes(root);
  }
  async function expectIndexed(sql: string, params: unknown[], table: string, index?: string): Promise<void> {
    const all = await plan(sql, params);
    expect(all.filter((n) => n['Node Type'] === 'Seq Scan').map((n) => n['Relation Name'])).toEqual([]);
    const scans = all.filter((n) => n['Relation Name'] === table || (n['Index Name'] && n['Node Type'] === 'Bitmap Index Scan'));
    expect(scans.length).toBeGreaterThan(0);
    if (index) expect(all.map((n) => n['Index Name'])).toContain(index);
  }

  it('holds millions of rows', async () => {
    const rows = (await ds.query(`SELECT (SELECT count(*) FROM refresh_tokens) AS t, (SELECT count(*) FROM audit_log) AS a`)) as { t: string; a: string }[];
    expect(Number(rows[0]?.t)).toBe(TOKENS);
    expect(Number(rows[0]?.a)).toBeGreaterThanOrEqual(AUDIT);
  });

  it('refresh tokens: by hash (the rotation lookup), by session, by user', async () => {
    await expectIndexed(`${SELECT_TOKEN} WHERE rt.token_hash = $1 FOR UPDATE OF rt`, [createHash('sha256').update('t42').digest()], 'refresh_tokens', 'refresh_tokens_token_hash_key');
    const sid = createHash('md5').update('s42').digest('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
    await expectIndexed('UPDATE refresh_tokens SET revoked_at = now() WHERE session_id = $1 AND revoked_at IS NULL', [sid], 'refresh_tokens', 'refresh_tokens_session');
    await expectIndexed('UPDATE refresh_tokens SET revoked_at = now() WHERE session_id = ANY($1) AND revoked_at IS NULL', [[sid]], 'refresh_tokens', 'refresh_tokens_session');
    await expectIndexed('DELETE FROM refresh_tokens WHERE user_id = $1', [uid(42)], 'refresh_tokens', 'refresh_tokens_user');
  });

  it('sessions by user (the session list, logout-all, deletion) and by cookie; the audit log by user', async () => {
    await expectIndexed(
      `SELECT id FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND absolute_expires_at > now() AND idle_expires_at > now() ORDER BY last_used_at DESC LIMIT 200`,
      [uid(7)],
      'sessions',
    );
    await expectIndexed(`UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, [uid(7)], 'sessions');
    await expectIndexed('DELETE FROM sessions WHERE user_id = $1', [uid(7)], 'sessions', 'sessions_user');
    await expectIndexed(`SELECT id FROM sessions WHERE cookie_hash = $1 AND kind = 'web'`, [Buffer.alloc(32)], 'sessions', 'sessions_cookie_hash_key');
    await expectIndexed('UPDATE audit_log SET ip = NULL WHERE user_id = $1 AND ip IS NOT NULL', [uid(7)], 'audit_log', 'audit_log_user');
  });

  it('the stream guard\'s oldest live row and the restore\'s pages (every EVENTS_CHECKPOINT_INTERVAL / on a lost stream)', async () => {
    await expectIndexed(OLDEST_LIVE_ROW_SQL, [LIVE_WINDOW_SECONDS], 'outbox', 'outbox_created_at');
    await expectIndexed(RESTORE_PAGE_SQL, ['0', LIVE_WINDOW_SECONDS, 500], 'outbox');
  });

  it('every retention rule finds its batch by index', async () => {
    for (const rule of RETENTION_RULES) {
      // At the default retention nothing of the history above has expired yet: the batch must be
      // found by index, not by reading the table to its end. (When most rows have expired, a scan
      // that stops at the first 1,000 is the right plan and the planner picks it.)
      const cutoff = new Date(Date.now() - svc.config[rule.setting] * 1000);
      const sql = `SELECT ${rule.key} FROM ${rule.table} WHERE ${rule.where} LIMIT $2`;
      const all = await plan(sql, [cutoff, 1000, ...(rule.params?.(svc.config) ?? [])]);
      expect({ rule: rule.name, seqScans: all.filter((n) => n['Node Type'] === 'Seq Scan').map((n) => n['Relation Name']) }).toEqual({ rule: rule.name, seqScans: [] });
    }
  });
});
