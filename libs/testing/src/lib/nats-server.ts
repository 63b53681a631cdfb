import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A private nats-server with JetStream, for tests that kill or restart NATS. */
export interface TestNatsServer {
  readonly url: string;
  readonly port: number;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port and storage directory. */
  start(): Promise<void>;
  /** Kills it and removes its storage. */
  dispose(): Promise<void>;
}

const BINARY = process.env['NATS_SERVER_BIN'] ?? '/usr/sbin/nats-server';

/**
 * Starts `nats-server -js` on a free loopback port with its own storage directory.
 * Never touches the shared server on 4222.
 *
 * @example
 * const nats = await startNatsServer();
 * afterAll(() => nats.dispose());
 */
export async function startNatsServer(): Promise<TestNatsServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gh-nats-'));
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn(BINARY, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir], { stdio: 'ignore' });
    await waitForPort(port, 10_000);
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
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
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

/** Resolves when something listens on `port`, or throws after `ms`. */
export async function waitForPort(port: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
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
