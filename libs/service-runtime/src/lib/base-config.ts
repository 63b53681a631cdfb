import { z } from 'zod';

/**
 * An integer env var within bounds, with a development default.
 *
 * @example PORT: intInRange(0, 65535, 3001)
 */
export function intInRange(min: number, max: number, fallback: number) {
  return z
    .string()
    .regex(/^\d+$/, `must be an integer between ${min} and ${max}`)
    .default(String(fallback))
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
}

/** Variables every service reads: where to listen, how to log, proxy trust and optional TLS. */
export function baseConfigShape(defaultPort: number) {
  return {
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: z.string().min(1).default('0.0.0.0'),
    PORT: intInRange(0, 65535, defaultPort),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    TRUST_PROXY: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
    BODY_LIMIT_BYTES: intInRange(1024, 1_048_576, 16_384),
    TLS_CERT_FILE: z.string().min(1).optional(),
    TLS_KEY_FILE: z.string().min(1).optional(),
  };
}

/** Thrown when the environment is invalid; the message names keys, never values. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Parses `env` against `schema` once at boot. Empty strings count as unset.
 *
 * @throws ConfigError naming each bad variable and why (never its value)
 */
export function parseConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || 'environment'} ${i.message}`);
  throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
}

/** TLS options for {@link createHttpApp} when both files are configured. */
export function tlsFrom(cfg: { TLS_CERT_FILE?: string | undefined; TLS_KEY_FILE?: string | undefined }): { tls: { certFile: string; keyFile: string } } | Record<string, never> {
  return cfg.TLS_CERT_FILE && cfg.TLS_KEY_FILE ? { tls: { certFile: cfg.TLS_CERT_FILE, keyFile: cfg.TLS_KEY_FILE } } : {};
}
