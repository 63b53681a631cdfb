import { createTestDatabase, freePort, startNatsServer, type TestDatabase, type TestNatsServer } from '@gatehouse/testing';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { BENCH_MAIN, startServer, type ServerProcess } from './proc';

/** Workspace root, from the bundle's location (dist/bench/main.js). */
export const ROOT = resolve(dirname(BENCH_MAIN), '..', '..');
const AUTH_MAIN = join(ROOT, 'dist', 'apps', 'auth-service', 'main.js');

/** The issuer `iss` of auth-service in the bench (not contacted: verifiers use JWKS_URI). */
export const ISSUER = 'http://localhost:3000';

/** The app row 8 signs in to (never contacted: the bench reads the code off the redirect). */
export const CODE_CLIENT = { id: 'bench-app', redirectUri: 'http://127.0.0.1:9/cb' } as const;

/** Private NATS, a throw-away database and what auth-service needs to run on them. */
export interface AuthEnvironment {
  nats: TestNatsServer;
  db: TestDatabase;
  env: Record<string, string>;
  client: { id: string; secret: string };
  dispose(): Promise<void>;
}

/** Creates NATS + database, migrates and registers the bench's service client. */
export async function createAuthEnvironment(bcryptCost: number): Promise<AuthEnvironment> {
  const nats = await startNatsServer();
  const db = await createTestDatabase('bench_auth');
  try {
    const env = {
      DATABASE_URL: db.url,
      NATS_URL: nats.url,
      KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      BCRYPT_COST: String(bcryptCost),
      ISSUER,
      ACCESS_TOKEN_TTL: '900',
    };
    const stdout = await authCommand(env, ['client', 'create', '--id', 'bench-svc', '--audience', 'orders', '--scope', 'orders:read']);
    const created = JSON.parse(stdout) as { client_secret: string };
    // Row 8: a first-party public app for the code flow (refresh tokens like a first-party login).
    await promisify(execFile)(
      process.execPath,
      [AUTH_MAIN, 'client', 'create', '--id', CODE_CLIENT.id, '--public', '--first-party', '--redirect-uri', CODE_CLIENT.redirectUri, '--scope', 'openid offline_access orders:read', '--audience', 'orders'],
      { env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env } },
    );
    return {
      nats,
      db,
      env,
      client: { id: 'bench-svc', secret: created.client_secret },
      async dispose() {
        await nats.dispose();
        await db.drop();
      },
    };
  } catch (err) {
    await nats.dispose();
    await db.drop();
    throw err;
  }
}

/** Runs a command of the built auth-service (`client create`, `janitor`) against `env`; resolves with its stdout. */
export async function authCommand(env: Record<string, string>, args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [AUTH_MAIN, ...args], {
    env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env },
    maxBuffer: 4 * 2 ** 20,
  });
  return stdout;
}

/** Starts built auth-service with `workers` processes (AUTH_WORKERS) on a free loopback port. */
export async function startAuth(env: AuthEnvironment, workers: number, extra: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  return startServer(
    process.execPath,
    [AUTH_MAIN],
    { NODE_ENV: 'test', LOG_LEVEL: 'info', ...env.env, AUTH_WORKERS: String(workers), ...extra, PORT: String(port), HOST: '127.0.0.1' },
    url,
    '/health/ready',
    { readyLine: workers > 1 ? `"workers":${workers}` : undefined, timeoutMs: 60_000, ...(workers === 1 && process.env['BENCH_AUTH_CPU_PROF'] ? { cpuProfDir: process.env['BENCH_AUTH_CPU_PROF'] } : {}) },
  );
}

/** POSTs JSON; returns status and parsed body. */
export async function postJson(url: string, body: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** A registered user with a password. */
export interface BenchUser {
  email: string;
  password: string;
}

/** Registers `count` users (in parallel, two at a time: bcrypt). */
export async function registerUsers(authUrl: string, count: number, label: string): Promise<BenchUser[]> {
  const users = Array.from({ length: count }, (_, i) => ({ email: `${label}-${i}-${randomBytes(3).toString('hex')}@bench.test`, password: `pw-${randomBytes(12).toString('base64url')}` }));
  for (let i = 0; i < users.length; i += 2) {
    await Promise.all(
      users.slice(i, i + 2).map(async (u) => {
        const res = await postJson(`${authUrl}/auth/register`, u);
        if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
      }),
    );
  }
  return users;
}

/** Logs in; returns access and refresh tokens. */
export async function login(authUrl: string, user: BenchUser): Promise<{ access: string; refresh: string }> {
  const res = await postJson(`${authUrl}/auth/login`, user);
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { access: String(res.body['access_token']), refresh: String(res.body['refresh_token']) };
}
