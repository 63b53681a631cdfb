import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './nats-server';

/** A built service running as a child process on a loopback port. */
export interface ServiceProcess {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  /** Output so far (for diagnosing a failed start). */
  output(): string;
  /** SIGTERM and wait (graceful shutdown). */
  stop(): Promise<void>;
  /** SIGKILL and wait, as a crash would. */
  kill(): Promise<void>;
}

/** Workspace root (where `dist/` is). */
export const WORKSPACE_ROOT = join(__dirname, '..', '..', '..', '..');

/**
 * Starts `node dist/apps/<name>/main.js` with `env` on a free port and waits for `/health/ready`.
 *
 * @throws Error with the process output if it exits or is not ready within `timeoutMs`
 * @example const orders = await startServiceProcess('orders-service', { DATABASE_URL, ... });
 */
export function startServiceProcess(name: string, env: Record<string, string>, timeoutMs = 30_000): Promise<ServiceProcess> {
  return startNodeProcess(name, join(WORKSPACE_ROOT, 'dist', 'apps', name, 'main.js'), env, { timeoutMs });
}

/**
 * Starts `node <entry>` (in `cwd`, default the current one) with `env` plus `PORT`/`HOST` on a
 * free loopback port and waits for `/health/ready` to answer 200 — any app, not only ours.
 *
 * @throws Error with the process output if it exits or is not ready within `timeoutMs`
 * @example const app = await startNodeProcess('express-app', '/tmp/x/app.cjs', env, { cwd: '/tmp/x' });
 */
export async function startNodeProcess(name: string, entry: string, env: Record<string, string>, opts: { timeoutMs?: number; cwd?: string } = {}): Promise<ServiceProcess> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [entry], {
    cwd: opts.cwd,
    env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  child.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill('SIGTERM');
    });
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${out}`);
    const ready = await fetch(`${url}/health/ready`).then((r) => r.status === 200, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} not ready within ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  };
  return { name, url, port, output: () => out, stop, kill };
}

/**
 * Runs `node dist/apps/<name>/main.js <args>` to completion and returns stdout.
 *
 * @throws Error with stderr if it exits non-zero
 */
export function runServiceCommand(name: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(WORKSPACE_ROOT, 'dist', 'apps', name, 'main.js'), ...args], {
      env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${name} ${args.join(' ')} exited ${code}: ${err}`))));
  });
}
