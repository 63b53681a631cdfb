import { verifierConfigShape } from '@gatehouse/resource-service';
import { baseConfigShape, parseConfig } from '@gatehouse/service-runtime';
import { z } from 'zod';

/** Environment of inventory-service; defaults are for local development only. */
export const configSchema = z.object({
  ...baseConfigShape(3002),
  ...verifierConfigShape(),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// URL').default('postgres://postgres@127.0.0.1:5432/gatehouse_inventory'),
  /** Clients that may reserve acting for a user (an exchanged token's `act.sub`); comma-separated. */
  RESERVATION_ACTORS: z
    .string()
    .default('orders-service')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[a-z][a-z0-9._-]{2,63}$/, 'must be client ids')).min(1)),
});

/** DI token of the validated config. */
export const INVENTORY_CONFIG = Symbol('INVENTORY_CONFIG');

/** Parsed inventory-service configuration. */
export type InventoryConfig = z.infer<typeof configSchema>;

/** Parses the environment once at boot; throws ConfigError naming bad keys. */
export function loadConfig(env: NodeJS.ProcessEnv): InventoryConfig {
  return parseConfig(configSchema, env);
}
