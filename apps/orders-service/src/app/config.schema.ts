import { verifierConfigShape } from '@gatehouse/resource-service';
import { baseConfigShape, parseConfig } from '@gatehouse/service-runtime';
import { z } from 'zod';

/** Environment of orders-service; defaults are for local development only (no default secret). */
export const configSchema = z.object({
  ...baseConfigShape(3001),
  ...verifierConfigShape(),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// URL').default('postgres://postgres@127.0.0.1:5432/gatehouse_orders'),
  AUTH_TOKEN_URL: z.string().regex(/^https?:\/\/\S+$/, 'must be an http(s) URL').optional(),
  SERVICE_CLIENT_ID: z.string().min(3).max(64).default('orders-service'),
  SERVICE_CLIENT_SECRET: z.string({ error: 'is required (the orders-service client secret)' }).min(32, 'must be the generated client secret'),
  INVENTORY_URL: z.string().regex(/^https?:\/\/\S+$/, 'must be an http(s) URL').default('http://localhost:3002').transform((v) => v.replace(/\/+$/, '')),
});

/** Parsed orders-service configuration. */
export type OrdersConfig = z.infer<typeof configSchema>;

/** Parses the environment once at boot; throws ConfigError naming bad keys. */
export function loadConfig(env: NodeJS.ProcessEnv): OrdersConfig {
  return parseConfig(configSchema, env);
}
