import type { AuthConfig } from '../config/config.schema';
import { SESSION_ENDED_AT } from '../database/migrations/1764100000000-retention-indexes';

/** The config variables that set a rule's grace period, in seconds. */
export type RetentionSetting = Extract<keyof AuthConfig, `RETENTION_${string}`>;

/**
 * One retention rule: which rows of one table may go, and from when. The janitor deletes rows
 * matching `where` in batches by `key`, with `$1` bound to the cutoff (now minus the grace in
 * `setting`, or earlier under `--keep-if-younger`) and `$3…` to `params`. `where` must be
 * answerable from an index, since it runs once per batch.
 */
export interface RetentionRule {
  /** Stable name: the metrics label and the key in the janitor's JSON report. */
  readonly name: string;
  readonly table: string;
  /** The table's primary key, by which a batch is deleted. */
  readonly key: string;
  readonly setting: RetentionSetting;
  /** For `janitor --help` and the README. */
  readonly description: string;
  /** SQL condition over `table` (unaliased): `$1` is the cutoff (timestamptz). */
  readonly where: string;
  /** Parameters `$3`, `$4`, … of `where`. */
  params?(config: AuthConfig): unknown[];
}

const SESSION_ENDED_BEFORE_CUTOFF = `${SESSION_ENDED_AT} < $1`;

/**
 * Every retention rule, in the order the janitor applies them. Rows of a table that references
 * another go first (refresh tokens before their sessions), so that no batch cascades into
 * thousands of rows. To cover a new table, add a rule here, its `RETENTION_*` variable to
 * config.schema.ts and a row to the README's configuration table.
 */
export const RETENTION_RULES: readonly RetentionRule[] = [
  {
    // A rotated token past its own expiry is refused as expired before reuse detection looks at
    // it, so for a live family its row carries nothing any more; younger rotated rows stay, and a
    // replay of one still revokes the family.
    name: 'refresh_tokens_rotated',
    table: 'refresh_tokens',
    key: 'id',
    setting: 'RETENTION_REFRESH_TOKENS',
    description: 'rotated refresh tokens, this long after their own expiry',
    where: 'rotated_at IS NOT NULL AND expires_at < $1',
  },
  {
    name: 'refresh_tokens_ended_sessions',
    table: 'refresh_tokens',
    key: 'id',
    setting: 'RETENTION_SESSIONS',
    description: 'every refresh token of a session (family) that ended this long ago',
    where: `session_id IN (SELECT id FROM sessions WHERE ${SESSION_ENDED_BEFORE_CUTOFF})`,
  },
  {
    name: 'sessions',
    table: 'sessions',
    key: 'id',
    setting: 'RETENTION_SESSIONS',
    description: 'web and API sessions this long after they were revoked, idle-expired or reached their absolute lifetime',
    where: SESSION_ENDED_BEFORE_CUTOFF,
  },
  {
    name: 'outbox',
    table: 'outbox',
    key: 'id',
    setting: 'RETENTION_OUTBOX',
    description: 'outbox rows this long after they were published (unsent rows are never deleted)',
    where: 'sent_at < $1',
  },
  {
    // Once the window has passed and any lock has run out, the next failure restarts the counter
    // at 1 anyway, so deleting the row changes nothing.
    name: 'login_throttle',
    table: 'login_throttle',
    key: 'key',
    setting: 'RETENTION_LOGIN_THROTTLE',
    description: 'failed-login counters this long after their window (LOGIN_FAILURE_WINDOW) and lockout ended',
    where: 'window_start < $1::timestamptz - make_interval(secs => $3) AND (locked_until IS NULL OR locked_until < $1)',
    params: (config) => [config.LOGIN_FAILURE_WINDOW],
  },
  {
    name: 'revoked_tokens',
    table: 'revoked_tokens',
    key: 'jti',
    setting: 'RETENTION_REVOKED_TOKENS',
    description: 'individually revoked access tokens this long after they expired',
    where: 'expires_at < $1',
  },
  {
    // A used code past its expiry is refused anyway; the grace keeps it long enough that a late
    // replay is still recognised and revokes what its first exchange issued.
    name: 'authorization_codes',
    table: 'authorization_codes',
    key: 'code_hash',
    setting: 'RETENTION_AUTHORIZATION_CODES',
    description: 'authorization codes (used or not) this long after they expired',
    where: 'expires_at < $1',
  },
  {
    name: 'consents',
    table: 'consents',
    key: 'ctid',
    setting: 'RETENTION_CONSENTS',
    description: "users' consents to a client this long after the client was revoked (withdrawn consents go at once)",
    where: 'client_id IN (SELECT id FROM clients WHERE revoked_at < $1)',
  },
  {
    name: 'logout_deliveries',
    table: 'logout_deliveries',
    key: 'id',
    setting: 'RETENTION_LOGOUT_DELIVERIES',
    description: 'back-channel logout deliveries this long after they were delivered or given up (undelivered ones stay)',
    where: 'COALESCE(delivered_at, failed_at) < $1',
  },
  {
    // Second-step and passkey challenges live minutes; used or not, they only matter until then.
    name: 'auth_challenges',
    table: 'auth_challenges',
    key: 'token_hash',
    setting: 'RETENTION_AUTH_CHALLENGES',
    description: 'sign-in challenges (second factor, passkey ceremonies) this long after they expired',
    where: 'expires_at < $1',
  },
  {
    name: 'audit_log',
    table: 'audit_log',
    key: 'id',
    setting: 'RETENTION_AUDIT_LOG',
    description: 'audit events older than this',
    where: 'at < $1',
  },
];

/** The batch DELETE of a rule: `$2` is the batch size. The outer condition re-checks rows changed meanwhile. */
export function batchDeleteSql(rule: RetentionRule): string {
  return `DELETE FROM ${rule.table} WHERE ${rule.key} IN (SELECT ${rule.key} FROM ${rule.table} WHERE ${rule.where} LIMIT $2) AND (${rule.where})`;
}

/** How many rows a rule would delete now (for `--dry-run`); `$2` is unused but bound for equal numbering. */
export function countSql(rule: RetentionRule): string {
  return `SELECT count(*)::bigint AS n FROM ${rule.table} WHERE ${rule.where} AND $2::int IS NOT NULL`;
}
