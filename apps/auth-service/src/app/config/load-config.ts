import { ConfigError, parseConfig } from '@gatehouse/service-runtime';
import { configSchema, type AuthConfig } from './config.schema';

export { ConfigError };

/**
 * Parses the environment once at boot.
 *
 * @param env - usually `process.env`
 * @throws ConfigError naming each bad variable and why (never its value)
 */
export function loadConfig(env: NodeJS.ProcessEnv): AuthConfig {
  return parseConfig(configSchema, env);
}
