#!/usr/bin/env node
// `npm start`: check Postgres and NATS, build, migrate + seed, then run the three services
// with prefixed output until Ctrl-C. Everything is overridable with the same env vars the
// services read (DATABASE_URL, NATS_URL, PORT_* ...).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };
const databaseUrl = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/gatehouse';
const natsUrl = env.NATS_URL ?? 'nats://127.0.0.1:4222';
const HINT = 'start them with: docker compose up -d postgres nats';

function reachable(url, defaultPort) {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: u.hostname, port: Number(u.port || defaultPort), timeout: 2000 });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
  });
}

/** Whether the NATS server asks for credentials: the `auth_required` of the INFO line it greets with. */
function natsRequiresAuth(url) {
  const u = new URL(url.split(',')[0].trim());
  return new Promise((resolve) => {
    const socket = connect({ host: u.hostname, port: Number(u.port || 4222), timeout: 2000 });
    let buf = '';
    const done = (v) => { socket.destroy(); resolve(v); };
    socket.on('data', (chunk) => {
      buf += chunk;
      const line = /^INFO (\{.*\}) *\r?\n/.exec(buf);
      if (line) { try { done(JSON.parse(line[1]).auth_required === true); } catch { done(false); } }
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** NATS_USER / NATS_PASSWORD of a compose env file (development-only values). */
function composeNatsCredentials(service) {
  try {
    const text = readFileSync(join(root, 'deploy/compose', `${service}.env`), 'utf8');
    const get = (k) => new RegExp(`^${k}=(.*)$`, 'm').exec(text)?.[1];
    return { NATS_USER: get('NATS_USER'), NATS_PASSWORD: get('NATS_PASSWORD') };
  } catch { return {}; }
}

function run(cmd, args, extraEnv = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...env, ...extraEnv } });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const [pg, nats] = await Promise.all([reachable(databaseUrl, 5432), reachable(natsUrl, 4222)]);
if (!pg || !nats) {
  const missing = [!pg && `Postgres (${new URL(databaseUrl).host})`, !nats && `NATS (${new URL(natsUrl).host})`].filter(Boolean);
  console.error(`gatehouse: cannot reach ${missing.join(' and ')}; ${HINT}`);
  process.exit(1);
}

// The compose NATS (deploy/nats) wants one user per service: take the development passwords from
// deploy/compose/*.env unless NATS_USER/NATS_PASSWORD are set. A plain nats-server accepts anyone.
const natsAuth = await natsRequiresAuth(natsUrl);
const natsEnv = (service) => (env.NATS_USER || !natsAuth ? {} : composeNatsCredentials(service));
if (!natsAuth) console.warn(`gatehouse: NATS at ${natsUrl} accepts connections without credentials: fine for development only (anyone who reaches it can purge the revocation stream or forge events; see docs/security.md)`);

run('npx', ['nx', 'run-many', '-t', 'build', '--projects=auth-service,orders-service,inventory-service', '--outputStyle=static']);
run('node', ['dist/apps/auth-service/main.js', 'seed'], natsEnv('auth-service'));

const creds = (() => {
  try { return JSON.parse(readFileSync(join(root, env.LOCAL_DIR ?? '.local', 'credentials.json'), 'utf8')); } catch { return {}; }
})();

const services = [
  { name: 'auth-service', env: { PORT: env.AUTH_PORT ?? '3000', ...natsEnv('auth-service') } },
  { name: 'orders-service', env: { PORT: env.ORDERS_PORT ?? '3001', SERVICE_CLIENT_SECRET: env.SERVICE_CLIENT_SECRET ?? creds.clients?.['orders-service'] ?? env.SEED_ORDERS_CLIENT_SECRET ?? '', ...natsEnv('orders-service') } },
  { name: 'inventory-service', env: { PORT: env.INVENTORY_PORT ?? '3002', ...natsEnv('inventory-service') } },
];

let stopping = false;

function launch(svc) {
  const child = spawn('node', [`dist/apps/${svc.name}/main.js`], { cwd: root, env: { ...env, ...svc.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = `[${svc.name}] `;
  for (const stream of [child.stdout, child.stderr]) {
    let buf = '';
    stream.on('data', (chunk) => {
      buf += chunk;
      const lines = buf.split('\n');
      buf = lines.pop();
      for (const line of lines) process.stdout.write(prefix + line + '\n');
    });
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${prefix}exited (${signal ?? code}); stopping the others`);
      stop(code ?? 1);
    }
  });
  children.push(child);
  return child;
}

async function waitReady(port, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !stopping) {
    const ok = await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.ok, () => false);
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

const children = [];
// auth-service first: the resource services need its JWKS to become ready.
launch(services[0]);
if (!(await waitReady(services[0].env.PORT))) {
  console.error('gatehouse: auth-service did not become ready');
  stop(1);
} else {
  for (const svc of services.slice(1)) launch(svc);
}

function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 3000).unref();
  Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r))))).then(() => process.exit(code));
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
console.log('gatehouse: auth http://localhost:3000  orders http://localhost:3001  inventory http://localhost:3002  (Ctrl-C stops)');
