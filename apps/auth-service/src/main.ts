// First: sizes the libuv pool before any module can use it.
import './threadpool';
import 'reflect-metadata';
import { GatehouseError, RequestInvalidError } from '@gatehouse/contracts';
import { createLogger } from '@gatehouse/service-runtime';
import { CLIENT_CREATE_HELP, clientCommand } from './app/cli/client-command';
import { EVENTS_HELP, eventsCommand, EventsUsageError } from './app/cli/events-command';
import { seed } from './app/cli/seed';
import { createAuthApp } from './app/create-app';
import { resolveKeyEncryptionKey } from './app/config/key-encryption-key';
import type { AuthConfig } from './app/config/config.schema';
import { ConfigError, loadConfig } from './app/config/load-config';
import { janitorCommand, janitorHelp, JanitorUsageError, parseJanitorArgs } from './app/janitor/janitor-cli';
import cluster from 'node:cluster';
import type { Logger } from 'pino';

const USAGE = 'usage: main.js [serve | seed | client create|update --id ID ... | janitor [--dry-run] [--keep-if-younger D] | events check|restore]   (each answers --help)';

const HELP: Record<string, string> = {
  serve: 'usage: main.js [serve]\n\nRuns the HTTP service (migrations first, under an advisory lock). Configuration comes from the environment (README, Configuration).',
  seed: 'usage: main.js seed\n\nIdempotent: migrations, the first admin and the sample clients (orders-service, sample-spa, sample-web).\nGenerated development credentials go to $LOCAL_DIR/credentials.json; logs to stderr.',
  client: CLIENT_CREATE_HELP,
  events: EVENTS_HELP,
  janitor: 'usage: main.js janitor [--dry-run] [--keep-if-younger D]\n\nDeletes what the retention rules allow, in batches, and prints a JSON report; `main.js janitor --help` lists the rules with their current settings.',
};

/** Entry point: `serve` (default), `seed`, `client create`, `client update` or `janitor`. */
async function bootstrap(): Promise<void> {
  const [command = 'serve', ...rest] = process.argv.slice(2);
  if (command === '--help' || command === 'help') return void process.stdout.write(`${USAGE}\n\n${Object.values(HELP).join('\n\n')}\n`);
  // The janitor's --help shows the current settings, so it reads the configuration first.
  if (command === 'janitor') return janitor(loadConfig(process.env), rest);
  if (command === 'events') return events(rest);
  if (command !== 'serve' && command !== 'seed' && !(command === 'client' && (rest[0] === 'create' || rest[0] === 'update'))) {
    throw new ConfigError(USAGE);
  }
  if (rest.includes('--help')) return void process.stdout.write(`${HELP[command] ?? USAGE}\n`);
  const config = loadConfig(process.env);
  // Commands print their result on stdout, so their logs go to stderr.
  const log = createLogger('auth-service', config.LOG_LEVEL, command === 'serve' ? undefined : process.stderr);
  const workers = workerCount(process.env);
  if (command === 'serve' && workers > 1 && cluster.isPrimary) {
    // Before forking, so that workers share one development key file rather than racing to create it.
    resolveKeyEncryptionKey(config);
    superviseWorkers(workers, config.PORT, log);
    return;
  }
  // One-shot commands leave back-channel logout deliveries to the running service.
  const app = await createAuthApp(command === 'serve' ? config : { ...config, BACKCHANNEL_LOGOUT: false }, log);
  if (command === 'serve') {
    await app.listen({ port: config.PORT, host: config.HOST });
    log.info({ port: config.PORT, issuer: config.ISSUER }, 'auth-service listening');
    return;
  }
  try {
    await app.init();
    if (command === 'seed') await seed(app, config, process.env, log);
    else await clientCommand(app, rest[0] === 'update' ? 'update' : 'create', rest.slice(1));
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
  const oneShot: AuthConfig = { ...config, OUTBOX_RELAY: false, JANITOR_INTERVAL: 0, BACKCHANNEL_LOGOUT: false };
  const app = await createAuthApp(oneShot, createLogger('auth-service', config.LOG_LEVEL, process.stderr));
  try {
    await app.init();
    await janitorCommand(app, parsed.options);
  } finally {
    await app.close();
  }
}

/** `events check|restore`: its JSON report alone on stdout, logs on stderr; `--help` needs no configuration. */
async function events(argv: string[]): Promise<void> {
  if (argv.length === 0 || argv.includes('--help')) return void process.stdout.write(`${EVENTS_HELP}\n`);
  const config = loadConfig(process.env);
  process.exitCode = await eventsCommand(config, argv, createLogger('auth-service', config.LOG_LEVEL, process.stderr));
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
  if (err instanceof RequestInvalidError && err.issues.length > 0) return `${err.message} ${err.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`;
  if (err instanceof ConfigError || err instanceof GatehouseError || err instanceof JanitorUsageError || err instanceof EventsUsageError) return err.message;
  const code = (err as { code?: string }).code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT') {
    return 'cannot reach Postgres at DATABASE_URL; start it with: docker compose up -d postgres nats';
  }
  if (code === '28P01' || code === '28000') return 'Postgres rejected the credentials in DATABASE_URL';
  return err instanceof Error ? err.message : 'failed to start';
}
