import { bulkLoad } from '@gatehouse/testing';
import type { Client } from 'pg';

/** The shape of the simulated month. */
export interface HistoryShape {
  users: number;
  days: number;
  /** Refresh rotations of each day's API session (one an hour). */
  rotationsPerDay: number;
}

/** The tables that grow with traffic, as the report lists them. */
export const GROWING_TABLES = ['refresh_tokens', 'sessions', 'audit_log', 'outbox', 'login_throttle', 'revoked_tokens'] as const;

/** Rows and on-disk size (table + indexes + TOAST) of one table. */
export interface TableSize {
  rows: number;
  mib: number;
}

/**
 * Writes `days` days of traffic for `users` users straight into auth-service's tables, with the
 * timestamps that traffic would have left: each user, each day, one API session (rotated
 * hourly `rotationsPerDay` times, 70 % logged out in the evening, the rest left to idle out
 * after REFRESH_TOKEN_TTL) and one web session (half logged out); an audit row per login and
 * logout; an outbox row (published) per logout; a failed login with an unknown e-mail for one
 * user in six; an individually revoked access token for one in ten.
 */
export async function writeHistory(client: Client, h: HistoryShape): Promise<void> {
  const grid = `generate_series(0, ${h.users - 1}) u, generate_series(0, ${h.days - 1}) d, LATERAL (SELECT now() - (${h.days} - d) * interval '1 day' + (u % 3600) * interval '1 second' AS ds) t`;
  const apiRevoked = `CASE WHEN u % 10 < 7 THEN ds + interval '${h.rotationsPerDay + 1} hours' END`;
  const load = async () => {
    await client.query(`INSERT INTO users (id, email, password_hash, scopes)
      SELECT md5('bu' || u)::uuid, 'history-' || u || '@bench.test', 'x', '{orders:read}' FROM generate_series(0, ${h.users - 1}) u`);
    await client.query(`INSERT INTO sessions (id, user_id, client_id, kind, created_at, last_used_at, idle_expires_at, absolute_expires_at, revoked_at, revoked_reason)
      SELECT md5('a' || u || '-' || d)::uuid, md5('bu' || u)::uuid, 'gatehouse', 'api', ds, ds + interval '${h.rotationsPerDay} hours',
             ds + interval '${h.rotationsPerDay} hours' + interval '14 days', ds + interval '30 days', ${apiRevoked}, CASE WHEN u % 10 < 7 THEN 'logout' END
        FROM ${grid}`);
    await client.query(`INSERT INTO sessions (id, user_id, client_id, kind, created_at, last_used_at, idle_expires_at, absolute_expires_at, revoked_at, cookie_hash, csrf_token)
      SELECT md5('w' || u || '-' || d)::uuid, md5('bu' || u)::uuid, 'gatehouse', 'web', ds, ds + interval '20 minutes', ds + interval '50 minutes',
             ds + interval '12 hours', CASE WHEN u % 2 = 0 THEN ds + interval '20 minutes' END, sha256(('c' || u || '-' || d)::bytea), 'csrf'
        FROM ${grid}`);
    await client.query(`INSERT INTO refresh_tokens (family_id, session_id, user_id, client_id, scopes, audiences, token_hash, created_at, expires_at, rotated_at, revoked_at)
      SELECT s, s, md5('bu' || u)::uuid, 'gatehouse', '{orders:read}', '{orders}', sha256(('h' || u || '-' || d || '-' || r)::bytea),
             ds + r * interval '1 hour', ds + r * interval '1 hour' + interval '14 days',
             CASE WHEN r < ${h.rotationsPerDay} THEN ds + (r + 1) * interval '1 hour' END, ${apiRevoked}
        FROM ${grid}, generate_series(0, ${h.rotationsPerDay}) r, LATERAL (SELECT md5('a' || u || '-' || d)::uuid AS s) x`);
    await client.query(`INSERT INTO audit_log (at, event, user_id, client_id, session_id, ip)
      SELECT ds + k * interval '1 minute', e, md5('bu' || u)::uuid, 'gatehouse', md5(p || u || '-' || d)::uuid, '10.' || (u % 250) || '.0.1'
        FROM ${grid}, (VALUES (0, 'login_ok', 'a'), (1, 'login_ok', 'w'), (2, 'logout', 'a')) AS ev(k, e, p)`);
    await client.query(`INSERT INTO outbox (subject, payload, created_at, sent_at)
      SELECT 'gatehouse.revoked.session', json_build_object('v', 1, 'sid', md5('a' || u || '-' || d)::uuid, 'until', 0), ds, ds + interval '2 milliseconds'
        FROM ${grid} WHERE u % 10 < 7`);
    await client.query(`INSERT INTO login_throttle (key, failures, window_start)
      SELECT 'acct:unknown-' || u || '-' || d || '@bench.test', 1, ds FROM ${grid} WHERE u % 6 = 0`);
    await client.query(`INSERT INTO revoked_tokens (jti, expires_at) SELECT 'jti-' || u || '-' || d, ds + interval '5 minutes' FROM ${grid} WHERE u % 10 = 0`);
  };
  await bulkLoad(client, [...GROWING_TABLES, 'users'], load, { dropKeysOf: ['refresh_tokens'] });
}

/** Row counts and sizes of the growing tables. */
export async function tableSizes(client: Client): Promise<Record<string, TableSize>> {
  const out: Record<string, TableSize> = {};
  for (const t of GROWING_TABLES) {
    const { rows } = await client.query<{ n: string; bytes: string }>(`SELECT count(*) AS n, pg_total_relation_size('${t}') AS bytes FROM ${t}`);
    out[t] = { rows: Number(rows[0]?.n ?? 0), mib: Number(rows[0]?.bytes ?? 0) / 2 ** 20 };
  }
  return out;
}
