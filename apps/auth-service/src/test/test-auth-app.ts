import { createTestDatabase, type TestDatabase } from '@gatehouse/testing';
import { createLogger } from '@gatehouse/service-runtime';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuthConfig } from '../app/config/config.schema';
import { loadConfig } from '../app/config/load-config';
import { createAuthApp } from '../app/create-app';

/** A running auth-service on an ephemeral loopback port with its own database. */
export interface TestAuthService {
  app: NestFastifyApplication;
  url: string;
  config: AuthConfig;
  db: TestDatabase;
  /** Stops the app (the database stays until {@link dispose}). */
  stop(): Promise<void>;
  /** Starts a second app on the same database and key encryption key. */
  restart(): Promise<TestAuthService>;
  /** Stops the app and drops the database. */
  dispose(): Promise<void>;
}

/** Starts auth-service for a test file. `env` overrides the test defaults. */
export async function startAuthService(
  label: string,
  env: Record<string, string> = {},
  db?: TestDatabase,
  logSink?: (line: string) => void,
): Promise<TestAuthService> {
  const database = db ?? (await createTestDatabase(label));
  const localDir = mkdtempSync(join(tmpdir(), 'gh-auth-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    BCRYPT_COST: '10',
    LOG_LEVEL: 'silent',
    KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LOCAL_DIR: localDir,
    OUTBOX_RELAY: 'false',
    // Specs that drive the admin API sign in with a password only; factors.spec turns it on.
    ADMIN_SECOND_FACTOR: 'false',
    ...env,
    DATABASE_URL: database.url,
  });
  const destination = logSink ? { write: (line: string) => logSink(line) } : undefined;
  let app: NestFastifyApplication;
  try {
    app = await createAuthApp(config, createLogger('auth-service', config.LOG_LEVEL, destination));
    await app.listen({ port: config.PORT, host: '127.0.0.1' });
  } catch (err) {
    rmSync(localDir, { recursive: true, force: true });
    throw err;
  }
  const address = app.getHttpServer().address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await app.close();
    rmSync(localDir, { recursive: true, force: true });
  };
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    config,
    db: database,
    stop,
    restart: async () => {
      await stop();
      return startAuthService(label, { ...env, KEY_ENCRYPTION_KEY: config.KEY_ENCRYPTION_KEY ?? '' }, database);
    },
    dispose: async () => {
      await stop();
      await database.drop();
    },
  };
}

/** POSTs JSON and returns status, headers and parsed body. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** POSTs an application/x-www-form-urlencoded body. */
export async function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** `Authorization: Basic` value for client credentials (RFC 6749 §2.3.1 encoding). */
export function basic(id: string, secret: string): string {
  return 'Basic ' + Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');
}
