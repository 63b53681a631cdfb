import { readFileSync } from 'node:fs';
import { checkComposeRules, readEnvFile, validateComposeSchema } from './lib/compose-check';
import { isObject, type JsonObject } from './lib/k8s-object';
import { repoPath, REPO_ROOT } from './lib/repo-paths';
import { parseYamlDocs } from './lib/yaml-docs';

const [compose] = parseYamlDocs(repoPath('docker-compose.yml'), { merge: true });
const services = (compose as { services: Record<string, JsonObject> }).services;
const env = (service: string): Record<string, string> => ({
  ...Object.fromEntries((services[service]['env_file'] as string[] | undefined ?? []).flatMap((f) => Object.entries(readEnvFile(repoPath(f))))),
  ...(isObject(services[service]['environment']) ? (services[service]['environment'] as Record<string, string>) : {}),
});

describe('docker-compose.yml', () => {
  it('validates against the Compose Specification schema', () => {
    expect(validateComposeSchema(compose)).toEqual([]);
  });

  it('follows our rules: hardening, health-gated start order, volumes, one-shot seed, dev-only secrets', () => {
    expect(checkComposeRules(compose, REPO_ROOT)).toEqual([]);
  });

  it('has the three services, Postgres and NATS, and the seed step', () => {
    expect(Object.keys(services).sort()).toEqual(['auth-service', 'inventory-service', 'nats', 'orders-service', 'postgres', 'seed']);
  });

  it('wires consistent development secrets and databases', () => {
    const auth = env('auth-service');
    expect(Buffer.from(auth['KEY_ENCRYPTION_KEY'], 'base64')).toHaveLength(32);
    expect(env('seed')['SEED_ORDERS_CLIENT_SECRET']).toBe(env('orders-service')['SERVICE_CLIENT_SECRET']);
    expect(env('orders-service')['SERVICE_CLIENT_SECRET'].length).toBeGreaterThanOrEqual(32);
    expect(env('seed')['SEED_ADMIN_PASSWORD']).toBeTruthy();
    const init = readFileSync(repoPath('deploy/compose/postgres-init/10-databases.sql'), 'utf8');
    const created = ['gatehouse', ...[...init.matchAll(/CREATE DATABASE (\w+)/g)].map((m) => m[1])];
    for (const svc of ['auth-service', 'orders-service', 'inventory-service', 'seed']) {
      const db = new URL(env(svc)['DATABASE_URL']).pathname.slice(1);
      expect(created).toContain(db);
    }
    for (const svc of ['orders-service', 'inventory-service']) {
      expect(env(svc)['ISSUER']).toBe(auth['ISSUER']);
      expect(env(svc)['JWKS_URI']).toBe('http://auth-service:3000/.well-known/jwks.json');
    }
  });
});

describe('a deliberately broken compose file fails validation', () => {
  const [broken] = parseYamlDocs(repoPath('tools/deploy-check/fixtures/broken-compose.yml'), { merge: true });

  it('schema: the typo\'d key and the wrong type are reported', () => {
    const problems = validateComposeSchema(broken).join('\n');
    expect(problems).toMatch(/\/services\/api\/depends_on\/postgres: .*\(condtion\)/);
    expect(problems).toMatch(/\/services\/postgres\/restart: must be string/);
  });

  it('rules: hardening, secrets in environment, public ports and short depends_on are reported', () => {
    const problems = checkComposeRules(broken, REPO_ROOT).join('\n');
    expect(problems).toMatch(/service postgres: cap_drop must include ALL/);
    expect(problems).toMatch(/service postgres: port 5432:5432 must bind to 127.0.0.1/);
    expect(problems).toMatch(/service api: secret SERVICE_CLIENT_SECRET belongs in an env file/);
    expect(problems).toMatch(/service api: depends_on postgres needs condition/);
    expect(problems).toMatch(/service worker: depends_on must use the long form/);
    expect(problems).toMatch(/no one-shot seed service/);
  });
});
