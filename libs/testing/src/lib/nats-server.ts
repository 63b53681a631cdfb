import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The service users of the shipped NATS configuration (deploy/nats/gatehouse-auth.conf). */
export type ShippedNatsUser = 'auth-service' | 'orders-service' | 'inventory-service';

/** A user name and the password the test server was started with. */
export interface TestNatsCredentials {
  user: ShippedNatsUser;
  password: string;
}

/** Options of {@link startNatsServer}. */
export interface TestNatsServerOptions {
  /**
   * Start with the shipped accounts and permissions (`deploy/nats/gatehouse-auth.conf`), with a
   * fresh random password per user; default false (anonymous, everything allowed).
   */
  shippedConfig?: boolean;
  /** With `shippedConfig`: require TLS on client connections with this certificate and key. */
  tls?: { certFile: string; keyFile: string };
}

/** A private nats-server with JetStream, for tests that kill or restart NATS. */
export interface TestNatsServer {
  readonly url: string;
  readonly port: number;
  /** With `shippedConfig`: each service user's credentials; otherwise empty. */
  readonly credentials: Partial<Record<ShippedNatsUser, TestNatsCredentials>>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port and storage directory. */
  start(): Promise<void>;
  /** Kills it and removes its storage. */
  dispose(): Promise<void>;
}

const BINARY = process.env['NATS_SERVER_BIN'] ?? '/usr/sbin/nats-server';
/** The authorization configuration every deployment includes. */
export const SHIPPED_NATS_AUTH_CONF = join(__dirname, '..', '..', '..', '..', 'deploy', 'nats', 'gatehouse-auth.conf');
const PASSWORD_ENV: Record<ShippedNatsUser, string> = {
  'auth-service': 'NATS_AUTH_SERVICE_PASSWORD',
  'orders-service': 'NATS_ORDERS_SERVICE_PASSWORD',
  'inventory-service': 'NATS_INVENTORY_SERVICE_PASSWORD',
};

/**
 * Starts `nats-server -js` on a free loopback port with its own storage directory; with
 * `shippedConfig`, with the shipped accounts and permissions and random passwords.
 * Never touches the shared server on 4222.
 *
 * @example
 * const nats = await startNatsServer({ shippedConfig: true });
 * const nc = await connect({ servers: nats.url, user: 'orders-service', pass: nats.credentials['orders-service']?.password });
 * afterAll(() => nats.dispose());
 */
export async function startNatsServer(options: TestNatsServerOptions = {}): Promise<TestNatsServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gh-nats-'));
  const credentials: Partial<Record<ShippedNatsUser, TestNatsCredentials>> = {};
  const env: Record<string, string> = {};
  let args = ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir];
  if (options.shippedConfig) {
    for (const [user, name] of Object.entries(PASSWORD_ENV) as [ShippedNatsUser, string][]) {
      // nats-server parses a config variable as a value: one starting with '-' or a digit may be read
      // as a number, a duration or a size and stop the server. A letter, then hex, is always a string.
      credentials[user] = { user, password: `p${randomBytes(24).toString('hex')}` };
      env[name] = credentials[user].password;
    }
    copyFileSync(SHIPPED_NATS_AUTH_CONF, join(dir, 'gatehouse-auth.conf'));
    const tls = options.tls ? `tls { cert_file: "${options.tls.certFile}", key_file: "${options.tls.keyFile}", timeout: 2 }\n` : '';
    writeFileSync(join(dir, 'nats.conf'), `host: 127.0.0.1\nport: ${port}\njetstream { store_dir: "${join(dir, 'js')}" }\n${tls}include ./gatehouse-auth.conf\n`);
    args = ['-c', join(dir, 'nats.conf')];
  }
  let child: ChildProcess | null = null;
  const start = async () => {
    const c = spawn(BINARY, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env['PATH'] ?? '', ...env } });
    child = c;
    let stderr = '';
    c.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    await waitForPort(port, 10_000, () => (c.exitCode !== null ? `nats-server exited with ${c.exitCode}: ${stderr.trim()}` : null));
  };
  const kill = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  };
  try {
    await start();
  } catch (err) {
    // Nothing to hand back for dispose(): leave no process or directory behind.
    await kill();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    credentials,
    kill,
    start,
    async dispose() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A free TCP port on 127.0.0.1 (never one of the fixed 3000–3002 service ports). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves when something listens on `port`; throws after `ms`, or as soon as `failed` names a reason (e.g. the server exited). */
export async function waitForPort(port: number, ms: number, failed?: () => string | null): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const reason = failed?.();
    if (reason) throw new Error(reason);
    const open = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nats-server did not open port ${port}`);
}
