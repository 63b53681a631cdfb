// First: sizes the libuv pool before any module can use it.
import './threadpool';
import 'reflect-metadata';
import { GatehouseError } from '@gatehouse/contracts';
import { createLogger } from '@gatehouse/service-runtime';
import { clientCreate } from './app/cli/client-create';
import { seed } from './app/cli/seed';
import { createAuthApp } from './app/create-app';
import { resolveKeyEncryptionKey } from './app/config/key-encryption-key';
import type { AuthConfig } from './app/config/config.schema';
import { ConfigError, loadConfig } from './app/config/load-config';
import { janitorCommand, janitorHelp, JanitorUsageError, parseJanitorArgs } from './app/janitor/janitor-cli';
import cluster from 'node:cluster';
import type { Logger } from 'pino';

const USAGE = 'usage: main.js [serve | seed | client create --id ID --audience A --scope S | janitor [--dry-run] [--keep-if-younger D] [--help]]';

/** Entry point: `serve` (default), `seed`, `client create` or `janitor`. */
async function bootstrap(): Promise<void> {
  const config = loadConfig(process.env);
  const [command = 'serve', ...rest] = process.argv.slice(2);
  if (command === 'janitor') return janitor(config, rest);
  const log = createLogger('auth-service', config.LOG_LEVEL);
  if (command !== 'serve' && command !== 'seed' && !(command === 'client' && rest[0] === 'create')) {
    throw new ConfigError(USAGE);
  }
  const workers = workerCount(process.env);
  if (command === 'serve' && workers > 1 && cluster.isPrimary) {
    // Before forking, so that workers share one development key file rather than racing to create it.
    resolveKeyEncryptionKey(config);
    superviseWorkers(workers, config.PORT, log);
    return;
  }
  const app = await createAuthApp(config, log);
  if (command === 'serve') {
    await app.listen({ port: config.PORT, host: config.HOST });
    log.info({ port: config.PORT, issuer: config.ISSUER }, 'auth-service listening');
    return;
  }
  try {
    await app.init();
    if (command === 'seed') await seed(app, config, process.env, log);
    else await clientCreate(app, rest.slice(1));
  } finally {
    await app.close();
  }
}

/** `janitor`: its JSON report alone on stdout, logs on stderr; `--help` needs no database. */
async function janitor(config: AuthConfig, argv: string[]): Promise<void> {
  const parsed = parseJanitorArgs(argv);
  if (parsed.help) {
    process.stdout.write(janitorHelp(config));
    return;
  }
  // A one-shot operator command: it neither relays the outbox nor schedules janitor runs of its own.
  const oneShot: AuthConfig = { ...config, OUTBOX_RELAY: false, JANITOR_INTERVAL: 0 };
  const app = await createAuthApp(oneShot, createLogger('auth-service', config.LOG_LEVEL, process.stderr));
  try {
    await app.init();
    await janitorCommand(app, parsed.options);
  } finally {
    await app.close();
  }
}

/**
 * AUTH_WORKERS (alias WEB_CONCURRENCY), default 1: HTTP processes sharing the port. RS256 signing
 * and bcrypt are CPU-bound and the service keeps no state outside Postgres, so one process per
 * core is how a replica uses its cores.
 *
 * @throws ConfigError naming the variable when it is not an integer from 1 to 64
 */
function workerCount(env: NodeJS.ProcessEnv): number {
  const name = env['AUTH_WORKERS'] !== undefined ? 'AUTH_WORKERS' : 'WEB_CONCURRENCY';
  const raw = env[name];
  if (raw === undefined || raw === '') return 1;
  const n = /^\d{1,2}$/.test(raw) ? Number(raw) : 0;
  if (n < 1 || n > 64) throw new ConfigError(`${name} must be an integer from 1 to 64`);
  return n;
}

/**
 * The primary of a multi-process auth-service: forks `n` workers (each runs the full app), logs
 * once all listen, forwards SIGTERM/SIGINT, and exits when they have. A worker that dies on its
 * own takes the others down (exit 1) so the supervisor restarts a consistent set.
 */
function superviseWorkers(n: number, port: number, log: Logger): void {
  let stopping = false;
  let listening = 0;
  const stopAll = () => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
  };
  cluster.on('listening', () => {
    if (++listening === n) log.info({ port, workers: n }, 'auth-service listening');
  });
  cluster.on('exit', (worker, code, signal) => {
    if (!stopping) {
      log.error({ pid: worker.process.pid, code, signal }, 'auth-service worker exited; stopping the others');
      process.exitCode = 1;
      stopAll();
    }
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit();
  });
  process.once('SIGTERM', stopAll);
  process.once('SIGINT', stopAll);
  for (let i = 0; i < n; i++) cluster.fork();
}

bootstrap().catch((err: unknown) => {
  process.stderr.write(`auth-service: ${describeFailure(err)}\n`);
  process.exit(1);
});

/** One line that tells an operator what to do, without secrets or stack traces. */
function describeFailure(err: unknown): string {
  if (err instanceof ConfigError || err instanceof GatehouseError || err instanceof JanitorUsageError) return err.message;
  const code = (err as { code?: string }).code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT') {
    return 'cannot reach Postgres at DATABASE_URL; start it with: docker compose up -d postgres nats';
  }
  if (code === '28P01' || code === '28000') return 'Postgres rejected the credentials in DATABASE_URL';
  return err instanceof Error ? err.message : 'failed to start';
}
