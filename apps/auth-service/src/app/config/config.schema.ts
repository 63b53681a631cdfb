import { MAX_ACCESS_TOKEN_TTL_SECONDS, MAX_ACT_NESTING, parseScope } from '@gatehouse/contracts';
import { NATS_URL_RULE, parseNatsUrls } from '@gatehouse/revocation-events';
import { baseConfigShape, intInRange as intIn } from '@gatehouse/service-runtime';
import { z } from 'zod';
import { JWKS_MAX_AGE_SECONDS } from '../keys/jwks-cache';

const list = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

const scopeList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const parsed = parseScope(v);
      if (parsed === null) {
        ctx.addIssue({ code: 'custom', message: 'must be space-separated scope tokens' });
        return z.NEVER;
      }
      return parsed;
    });

const url = (fallback: string, protocols: string[]) =>
  z
    .string()
    .default(fallback)
    .refine((v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    }, `must be a ${protocols.join(' or ')} URL`);

/**
 * Environment schema of auth-service. Defaults are for local development only;
 * secrets (KEY_ENCRYPTION_KEY) have none.
 */
export const configSchema = z
  .object({
    ...baseConfigShape(3000),
    ISSUER: url('http://localhost:3000', ['http:', 'https:']).transform((v) => v.replace(/\/+$/, '')),
    DATABASE_URL: url('postgres://postgres@127.0.0.1:5432/gatehouse', ['postgres:', 'postgresql:']),
    /** One server or a comma-separated list (the seed servers of a cluster). */
    NATS_URL: z.string().default('nats://127.0.0.1:4222').refine((v) => parseNatsUrls(v) !== null, NATS_URL_RULE),
    /** This service's NATS user and password (one user per service; production requires them). */
    NATS_USER: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be a NATS user name').optional(),
    NATS_PASSWORD: z.string().min(16, 'must be at least 16 characters').optional(),
    /** CA certificate (PEM) the NATS servers' certificates are checked against; turns TLS on. */
    NATS_TLS_CA_FILE: z.string().min(1).optional(),
    /** Seconds between the stream checkpoints the outbox relay writes (verifiers trust a replay only after one). */
    EVENTS_CHECKPOINT_INTERVAL: intIn(1, 60, 2),
    KEY_ENCRYPTION_KEY: z
      .string()
      .regex(/^[A-Za-z0-9+/_-]{43}=?$/, 'must be 32 bytes, base64 or base64url encoded')
      .optional(),
    ACCESS_TOKEN_TTL: intIn(30, MAX_ACCESS_TOKEN_TTL_SECONDS, 300),
    /** Seconds a signing key signs before its successor takes over. */
    KEY_ROTATION_INTERVAL: intIn(1, 365 * 86_400, 86_400),
    /** Seconds a new key is in the JWKS before it signs; production requires ≥ the JWKS max-age. */
    KEY_PUBLISH_AHEAD: intIn(0, 7 * 86_400, JWKS_MAX_AGE_SECONDS),
    /** Seconds between each replica's rotation check (and key reload). */
    KEY_CHECK_INTERVAL: intIn(1, 3600, 60),
    /** Clock-skew margin (seconds) a retired key stays published beyond the last token it signed. */
    KEY_CLOCK_SKEW: intIn(0, 600, 60),
    BCRYPT_COST: intIn(10, 15, 12),
    REFRESH_TOKEN_TTL: intIn(60, 90 * 86400, 14 * 86400),
    REFRESH_MAX_LIFETIME: intIn(60, 365 * 86400, 30 * 86400),
    REFRESH_REUSE_GRACE: intIn(0, 60, 5),
    /** Seconds an authenticated client record is reused without a database read (0: off); changes drop it at once via NOTIFY. */
    CLIENT_CACHE_TTL: intIn(0, 300, 30),
    OUTBOX_RELAY: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
    /** Deliver OIDC back-channel logout tokens from this process (every replica may). */
    BACKCHANNEL_LOGOUT: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
    EVENTS_STREAM: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a stream name').default('GATEHOUSE_EVENTS'),
    EVENTS_STREAM_REPLICAS: intIn(1, 5, 1),
    EVENTS_SUBJECT_PREFIX: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'must be a subject token').default('gatehouse'),
    LOGIN_MAX_FAILURES: intIn(1, 100, 5),
    LOGIN_IP_MAX_FAILURES: intIn(1, 10_000, 50),
    LOGIN_FAILURE_WINDOW: intIn(1, 86_400, 900),
    LOGIN_LOCKOUT_BASE: intIn(1, 3600, 30),
    LOGIN_LOCKOUT_MAX: intIn(1, 86_400, 900),
    RESOURCE_AUDIENCES: list('orders,inventory').pipe(
      z.array(z.string().regex(/^[a-z][a-z0-9._-]{0,63}$/, 'must be lowercase audience names')).min(1),
    ),
    DEFAULT_USER_SCOPES: scopeList('orders:read orders:write'),
    /** Most actors an exchanged token may name (RFC 8693 `act` nesting): 1 = no exchanging of exchanged tokens. */
    TOKEN_EXCHANGE_MAX_DEPTH: intIn(1, MAX_ACT_NESTING, 2),
    LOCAL_DIR: z.string().min(1).default('.local'),
    /** Admins need a second factor for /admin and the admin API; `false` only for development and tests. */
    ADMIN_SECOND_FACTOR: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
    /** WebAuthn relying party: its id (a registrable domain; default: the ISSUER's host name), the origins passkeys are used from (default: the ISSUER's), and its display name. */
    WEBAUTHN_RP_ID: z.string().regex(/^[a-z0-9.-]{1,253}$/, 'must be a host name').optional(),
    WEBAUTHN_ORIGINS: z.string().optional().transform((v) => (v ? v.split(',').map((s) => s.trim().replace(/\/+$/, '')).filter(Boolean) : undefined)),
    WEBAUTHN_RP_NAME: z.string().min(1).max(64).default('Gatehouse'),
    /** Web dashboard session: idle timeout and absolute lifetime, seconds (DESIGN.md, Web sessions). */
    WEB_SESSION_IDLE: intIn(1, 86_400, 1800),
    WEB_SESSION_ABSOLUTE: intIn(60, 7 * 86_400, 43_200),
    /** Retention (seconds past the moment a row stopped mattering) and the janitor: see janitor/retention-rules.ts. */
    RETENTION_REFRESH_TOKENS: intIn(0, 365 * 86_400, 86_400),
    RETENTION_SESSIONS: intIn(0, 365 * 86_400, 7 * 86_400),
    /** At least the stream's max_age (2 h), which covers its 2-minute duplicate window and the verifiers' replay. */
    RETENTION_OUTBOX: intIn(7200, 365 * 86_400, 86_400),
    RETENTION_LOGIN_THROTTLE: intIn(0, 30 * 86_400, 0),
    RETENTION_REVOKED_TOKENS: intIn(0, 30 * 86_400, 300),
    RETENTION_AUTHORIZATION_CODES: intIn(0, 30 * 86_400, 86_400),
    RETENTION_CONSENTS: intIn(0, 365 * 86_400, 30 * 86_400),
    RETENTION_LOGOUT_DELIVERIES: intIn(0, 365 * 86_400, 7 * 86_400),
    RETENTION_AUTH_CHALLENGES: intIn(0, 30 * 86_400, 3600),
    RETENTION_AUDIT_LOG: intIn(86_400, 10 * 365 * 86_400, 90 * 86_400),
    /** Seconds between scheduled janitor runs (0: only the CLI runs it). */
    JANITOR_INTERVAL: intIn(0, 7 * 86_400, 3600),
    JANITOR_BATCH_SIZE: intIn(1, 100_000, 1000),
    /** Milliseconds the janitor sleeps between batches, leaving the database to logins. */
    JANITOR_BATCH_PAUSE: intIn(0, 10_000, 10),
  })
  .superRefine((cfg, ctx) => {
    if (cfg.NODE_ENV === 'production' && !cfg.KEY_ENCRYPTION_KEY) {
      ctx.addIssue({ code: 'custom', path: ['KEY_ENCRYPTION_KEY'], message: 'is required in production' });
    }
    if (cfg.NODE_ENV === 'production' && cfg.KEY_PUBLISH_AHEAD < JWKS_MAX_AGE_SECONDS) {
      ctx.addIssue({ code: 'custom', path: ['KEY_PUBLISH_AHEAD'], message: `must be at least the JWKS max-age (${JWKS_MAX_AGE_SECONDS}) in production` });
    }
    if (cfg.NODE_ENV === 'production' && !cfg.ADMIN_SECOND_FACTOR) {
      ctx.addIssue({ code: 'custom', path: ['ADMIN_SECOND_FACTOR'], message: 'cannot be turned off in production' });
    }
    for (const origin of cfg.WEBAUTHN_ORIGINS ?? []) {
      if (!/^https?:\/\/[^/\s]+$/.test(origin)) ctx.addIssue({ code: 'custom', path: ['WEBAUTHN_ORIGINS'], message: 'must be a comma-separated list of http(s) origins' });
    }
    if (Boolean(cfg.NATS_USER) !== Boolean(cfg.NATS_PASSWORD)) {
      ctx.addIssue({ code: 'custom', path: ['NATS_PASSWORD'], message: 'NATS_USER and NATS_PASSWORD go together' });
    }
    if (cfg.NODE_ENV === 'production' && !cfg.NATS_USER) {
      ctx.addIssue({ code: 'custom', path: ['NATS_USER'], message: 'and NATS_PASSWORD are required in production' });
    }
    if (Boolean(cfg.TLS_CERT_FILE) !== Boolean(cfg.TLS_KEY_FILE)) {
      ctx.addIssue({ code: 'custom', path: ['TLS_KEY_FILE'], message: 'TLS_CERT_FILE and TLS_KEY_FILE go together' });
    }
  });

/** Parsed, validated auth-service configuration. */
export type AuthConfig = z.infer<typeof configSchema>;
