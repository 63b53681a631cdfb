import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './nats-server';

/** One node of a {@link TestNatsCluster}. */
export interface TestNatsNode {
  /** `server_name`, as JetStream reports it (stream leader, consumer placement). */
  readonly name: string;
  readonly url: string;
  readonly port: number;
  /** Monitoring endpoint (`/connz`, `/jsz`, `/healthz`). */
  readonly monitorUrl: string;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and storage. */
  start(): Promise<void>;
  /** SIGTERM and wait (a graceful restart's first half). */
  stop(): Promise<void>;
  /** SIGSTOP: the process stays, its sockets stay open, nothing answers. */
  pause(): void;
  /** SIGCONT after {@link TestNatsNode.pause}. */
  resume(): void;
  /** Whether a process is running (paused counts). */
  readonly running: boolean;
}

/** A private JetStream cluster on loopback ports. */
export interface TestNatsCluster {
  readonly nodes: readonly TestNatsNode[];
  /** Every node's client URL, comma-separated: what `NATS_URL` takes. */
  readonly urls: string;
  /** The node named `name`. */
  node(name: string): TestNatsNode;
  /** Kills every node and removes their storage. */
  dispose(): Promise<void>;
}

const BINARY = process.env['NATS_SERVER_BIN'] ?? '/usr/sbin/nats-server';
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** A crashed or interrupted test run must not leave nats-servers behind. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of live) {
      c.kill('SIGCONT');
      c.kill('SIGKILL');
    }
  });
}

/**
 * Starts `size` (default 3) `nats-server` processes with JetStream, clustered over loopback
 * routes, each with its own client, route and monitoring port and storage directory, and waits
 * until JetStream has a meta leader. Never touches the shared server on 4222.
 *
 * @example
 * const cluster = await startNatsCluster();
 * afterAll(() => cluster.dispose());
 * await cluster.nodes[0].kill();
 */
export async function startNatsCluster(size = 3): Promise<TestNatsCluster> {
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), 'gh-nats-cluster-'));
  const clusterName = `gh${Math.random().toString(36).slice(2, 8)}`;
  const ports = await Promise.all(Array.from({ length: size }, async () => ({ client: await freePort(), route: await freePort(), monitor: await freePort() })));
  const nodes = ports.map((p, i) => makeNode(`n${i + 1}`, p, dir, clusterName, ports.map((q) => q.route)));
  try {
    await Promise.all(nodes.map((n) => n.start()));
    await waitForMetaLeader(nodes.map((n) => n.monitorUrl), 30_000);
  } catch (err) {
    await Promise.all(nodes.map((n) => n.kill()));
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    nodes,
    urls: nodes.map((n) => n.url).join(','),
    node(name) {
      const found = nodes.find((n) => n.name === name);
      if (!found) throw new Error(`no node ${name}`);
      return found;
    },
    async dispose() {
      await Promise.all(nodes.map((n) => n.kill()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function makeNode(name: string, p: { client: number; route: number; monitor: number }, dir: string, clusterName: string, routes: number[]): TestNatsNode {
  const conf = join(dir, `${name}.conf`);
  writeFileSync(
    conf,
    [
      `server_name: ${name}`,
      `listen: 127.0.0.1:${p.client}`,
      `http: 127.0.0.1:${p.monitor}`,
      `jetstream { store_dir: "${join(dir, name)}" }`,
      `cluster { name: ${clusterName}, listen: 127.0.0.1:${p.route}, routes: [${routes.map((r) => `nats-route://127.0.0.1:${r}`).join(', ')}] }`,
    ].join('\n'),
  );
  let child: ChildProcess | null = null;
  const exited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;
  const signalAndWait = async (signal: NodeJS.Signals) => {
    const c = child;
    child = null;
    if (!c || exited(c)) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGCONT'); // a paused process would not act on SIGTERM
      c.kill(signal);
    });
  };
  return {
    name,
    url: `nats://127.0.0.1:${p.client}`,
    port: p.client,
    monitorUrl: `http://127.0.0.1:${p.monitor}`,
    get running() {
      return child !== null && !exited(child);
    },
    async start() {
      if (child && !exited(child)) return;
      const c = spawn(BINARY, ['-c', conf], { stdio: 'ignore' });
      live.add(c);
      c.once('exit', () => live.delete(c));
      child = c;
      await waitForPort(p.client, 10_000);
    },
    kill: () => signalAndWait('SIGKILL'),
    stop: () => signalAndWait('SIGTERM'),
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
  };
}

/** Polls the first node's `/jsz` until the cluster has elected a JetStream meta leader. */
async function waitForMetaLeader([monitorUrl]: string[], ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const leader = await fetch(`${monitorUrl ?? ''}/jsz`)
      .then((r) => r.json() as Promise<{ meta_cluster?: { leader?: string } }>)
      .then((j) => j.meta_cluster?.leader, () => undefined);
    if (leader) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the NATS cluster elected no JetStream meta leader in time');
}
