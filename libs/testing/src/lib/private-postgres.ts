import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './nats-server';

/** A Postgres server of the test's own, for tests that restart it (never the shared one on 5432). */
export interface PrivatePostgres {
  /** Maintenance database URL, for {@link createTestDatabase}'s `serverUrl`. */
  readonly url: string;
  readonly port: number;
  /** Stops it as a crash would (`pg_ctl stop -m immediate`: no checkpoint, recovery at start) and starts it again. */
  restart(downMs?: number): Promise<void>;
  /** Stops it and removes its data directory. */
  dispose(): Promise<void>;
}

const live = new Set<string>();
let exitHookInstalled = false;

function binDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

/** Postgres refuses to run as root: as root, run it as the `postgres` system user. */
function runAs(): { uid: number; gid: number } | Record<string, never> {
  if (process.getuid?.() !== 0) return {};
  return { uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()) };
}

/** Whether {@link startPrivatePostgres} can run here (Debian's postgresql binaries present). */
export function privatePostgresAvailable(): boolean {
  return binDir() !== null;
}

/**
 * initdb + pg_ctl start on a free loopback port, in a temporary directory, trust auth, fsync off.
 *
 * @throws Error when the binaries are missing or the server does not start
 * @example
 * const pg = await startPrivatePostgres();
 * const db = await createTestDatabase('chaos', pg.url);
 * await pg.restart();
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDir();
  if (!bin) throw new Error('no Postgres binaries under /usr/lib/postgresql');
  const user = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'gh-pg-'));
  if ('uid' in user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const port = await freePort();
  const run = (tool: string, args: string[]) => {
    const r = spawnSync(join(bin, tool), args, { ...user, cwd: dir, encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`${tool} failed: ${r.stderr || r.stdout}`);
  };
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const start = async () => {
    run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-o', `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c max_connections=100`, 'start']);
    await waitForPort(port, 30_000);
  };
  const stop = (mode: 'immediate' | 'fast') => {
    if (existsSync(join(data, 'postmaster.pid'))) spawnSync(join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', 'stop'], { ...user, timeout: 60_000 });
  };
  installExitHook();
  live.add(data);
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async restart(downMs = 1000) {
      stop('immediate');
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    dispose() {
      stop('immediate');
      live.delete(data);
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

/** A test run that dies must not leave a postmaster behind. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const data of live) {
      try {
        const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
        if (pid > 0) process.kill(pid, 'SIGQUIT');
      } catch {
        // already gone
      }
    }
  });
}

