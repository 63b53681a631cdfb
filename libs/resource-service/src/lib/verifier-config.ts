import { NATS_URL_RULE, parseNatsUrls } from '@gatehouse/revocation-events';
import { intInRange } from '@gatehouse/service-runtime';
import { z } from 'zod';
import type { VerifierOptions as AuthVerifyOptions } from '@gatehouse/auth-verify';

const httpUrl = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((v) => /^https?:\/\/[^\s]+$/.test(v), 'must be an http(s) URL')
    .transform((v) => v.replace(/\/+$/, ''));

/**
 * Environment variables every resource service reads to verify tokens, with local defaults.
 * Spread into a service's config schema.
 *
 * @example const schema = z.object({ ...baseConfigShape(3001), ...verifierConfigShape() });
 */
export function verifierConfigShape() {
  return {
    ISSUER: httpUrl('http://localhost:3000'),
    JWKS_URI: z.string().optional(),
    NATS_URL: z.string().default('nats://127.0.0.1:4222').refine((v) => parseNatsUrls(v) !== null, NATS_URL_RULE),
    NATS_USER: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be a NATS user name').optional(),
    NATS_PASSWORD: z.string().min(16, 'must be at least 16 characters').optional(),
    NATS_TLS_CA_FILE: z.string().min(1).optional(),
    REVOCATION_MAX_STALENESS: intInRange(1, 3600, 30),
    EVENTS_STREAM: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a stream name').default('GATEHOUSE_EVENTS'),
    EVENTS_SUBJECT_PREFIX: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'must be a subject token').default('gatehouse'),
  };
}

/** The parsed variables of {@link verifierConfigShape}. */
export interface VerifierConfig {
  ISSUER: string;
  JWKS_URI?: string | undefined;
  NATS_URL: string;
  /** This service's NATS user (with `NATS_PASSWORD`); unset: anonymous, development only. */
  NATS_USER?: string | undefined;
  NATS_PASSWORD?: string | undefined;
  /** CA certificate (PEM) for `tls://` NATS URLs. */
  NATS_TLS_CA_FILE?: string | undefined;
  REVOCATION_MAX_STALENESS: number;
  EVENTS_STREAM: string;
  EVENTS_SUBJECT_PREFIX: string;
}

/**
 * Builds AuthVerifyModule options from verifier config.
 *
 * @param audience - this service's audience
 */
export function authVerifyOptionsFrom(config: VerifierConfig, audience: string): AuthVerifyOptions {
  return {
    issuer: config.ISSUER,
    audience,
    jwksUri: config.JWKS_URI ?? `${config.ISSUER}/.well-known/jwks.json`,
    natsUrl: config.NATS_URL,
    ...(config.NATS_USER && config.NATS_PASSWORD ? { natsCredentials: { user: config.NATS_USER, password: config.NATS_PASSWORD } } : {}),
    ...(config.NATS_TLS_CA_FILE ? { natsTlsCaFile: config.NATS_TLS_CA_FILE } : {}),
    stream: config.EVENTS_STREAM,
    subjectPrefix: config.EVENTS_SUBJECT_PREFIX,
    maxStalenessMs: config.REVOCATION_MAX_STALENESS * 1000,
  };
}
