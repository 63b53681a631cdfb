import { SCOPES } from '@gatehouse/contracts';
import type { INestApplicationContext } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { ClientsService, type NewClient } from '../clients/clients.service';
import type { AuthConfig } from '../config/config.schema';
import { UsersService } from '../users/users.service';

/**
 * Sample clients for local runs: the service client orders-service uses (DESIGN.md, Service to
 * service), a public SPA (PKCE, no secret) and a confidential server-rendered web app that
 * receives back-channel logouts (README, "Sign users in from your app").
 */
const SAMPLE_CLIENTS: readonly (NewClient & { env?: string })[] = [
  {
    id: 'orders-service',
    name: 'orders-service',
    audiences: ['inventory'],
    scopes: [SCOPES.inventoryReserve],
    // Reserves stock for the user who orders (README, "On behalf of the user").
    tokenExchange: { subjectAudience: 'orders', targets: [{ audience: 'inventory', scopes: [SCOPES.inventoryReserve], subjectScopes: [SCOPES.ordersWrite] }] },
    env: 'SEED_ORDERS_CLIENT_SECRET',
  },
  {
    id: 'sample-spa',
    name: 'Sample SPA',
    tokenEndpointAuthMethod: 'none',
    redirectUris: ['http://127.0.0.1:5173/callback'],
    postLogoutRedirectUris: ['http://127.0.0.1:5173/'],
    audiences: ['orders'],
    scopes: ['openid', 'email', 'offline_access', SCOPES.ordersRead, SCOPES.ordersWrite],
  },
  {
    id: 'sample-web',
    name: 'Sample web app',
    redirectUris: ['http://127.0.0.1:8080/callback'],
    postLogoutRedirectUris: ['http://127.0.0.1:8080/'],
    backchannelLogoutUri: 'http://127.0.0.1:8080/backchannel-logout',
    audiences: ['orders'],
    scopes: ['openid', 'profile', 'email', 'offline_access', SCOPES.ordersRead],
    env: 'SEED_WEB_CLIENT_SECRET',
  },
];

/** Local credentials file written by the seed (git-ignored, mode 0600). */
export interface LocalCredentials {
  admin?: { email: string; password: string };
  clients?: Record<string, string>;
}

/**
 * Idempotent seed: a first admin and the sample service clients. Existing rows are left alone,
 * except that a secret given in the environment is (re)applied so compose files stay in sync.
 * Generated secrets go to `<LOCAL_DIR>/credentials.json`, never to logs.
 */
export async function seed(app: INestApplicationContext, config: AuthConfig, env: NodeJS.ProcessEnv, log: Logger): Promise<void> {
  const users = app.get(UsersService);
  const clients = app.get(ClientsService);
  const file = join(resolve(config.LOCAL_DIR), 'credentials.json');
  const creds = readCredentials(file);

  const email = (env['SEED_ADMIN_EMAIL'] ?? 'admin@gatehouse.local').toLowerCase();
  if (await users.findByEmail(email)) {
    log.info({ email }, 'seed: admin exists');
  } else {
    const password = env['SEED_ADMIN_PASSWORD'] ?? randomBytes(18).toString('base64url');
    await users.register(email, password, true);
    if (!env['SEED_ADMIN_PASSWORD']) creds.admin = { email, password };
    log.info({ email }, 'seed: admin created');
  }

  for (const { env: secretVar, ...sample } of SAMPLE_CLIENTS) {
    const given = secretVar ? env[secretVar] : undefined;
    const existing = await clients.find(sample.id);
    if (existing) {
      if (given) await clients.setSecret(sample.id, given);
      if (sample.tokenExchange && !existing.tokenExchange && !existing.revokedAt) {
        // A database seeded before token exchange: give the sample its policy, nothing else changes.
        await clients.update(sample.id, { ...existing, tokenExchange: sample.tokenExchange });
        log.info({ clientId: sample.id }, 'seed: token-exchange policy added');
      }
      log.info({ clientId: sample.id }, 'seed: client exists');
      continue;
    }
    const { clientSecret } = await clients.register({ ...sample, ...(given ? { secret: given } : {}) });
    if (!given && clientSecret) creds.clients = { ...creds.clients, [sample.id]: clientSecret };
    log.info({ clientId: sample.id }, 'seed: client created');
  }
  if (config.NODE_ENV !== 'production' && (creds.admin || creds.clients)) {
    writeCredentials(file, creds);
    log.info({ file }, 'seed: generated credentials written (development only)');
  }
}

/** Reads the local credentials file, or an empty object. */
export function readCredentials(file: string): LocalCredentials {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LocalCredentials;
  } catch {
    return {};
  }
}

function writeCredentials(file: string, creds: LocalCredentials): void {
  mkdirSync(resolve(file, '..'), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
}
