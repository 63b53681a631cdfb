import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { sleep } from './stats';

/** The bench's own bundle; every role runs it with a role name as first argument. */
export const BENCH_MAIN = process.argv[1] ?? '';

/** A child process of the bench that answers RPC calls over IPC. */
export interface RoleProcess {
  readonly pid: number;
  call<T>(op: string, args?: unknown): Promise<T>;
  stop(): Promise<void>;
}

interface RpcReply {
  id: number;
  result?: unknown;
  error?: string;
}

/** Forks `node <bench main> <role>` with an IPC channel (load generators, raw crypto). */
export function forkRole(role: string, env: Record<string, string> = {}): RoleProcess {
  const child = fork(BENCH_MAIN, [role], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
  let next = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.on('message', (msg: RpcReply) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.error !== undefined) p.reject(new Error(`${role}: ${msg.error}`));
    else p.resolve(msg.result);
  });
  child.once('exit', (code) => {
    for (const p of pending.values()) p.reject(new Error(`${role} exited with ${code}`));
    pending.clear();
  });
  return {
    pid: child.pid ?? 0,
    call<T>(op: string, args?: unknown): Promise<T> {
      const id = ++next;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, op, args });
      });
    },
    stop: () => stopChild(child),
  };
}

/** Serves RPC calls in a forked role: `handlers[op](args)`. */
export function serveRole(handlers: Record<string, (args: never) => unknown>): void {
  process.on('message', (msg: { id: number; op: string; args: unknown }) => {
    const handler = handlers[msg.op];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown op ${msg.op}`);
        return handler(msg.args as never);
      })
      .then(
        (result) => process.send?.({ id: msg.id, result }),
        (err: unknown) => process.send?.({ id: msg.id, error: err instanceof Error ? err.message : String(err) }),
      );
  });
  process.on('disconnect', () => process.exit(0));
}

/** A server process started by the bench, listening on a loopback port. */
export interface ServerProcess {
  readonly pid: number;
  readonly url: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Spawns `command args` with `env`, waits until `readyUrl` answers 200 (or `readyLine` appears in
 * its output, when given), and returns it. Output is kept for error messages only.
 *
 * @throws Error with the output when it exits or is not ready within `timeoutMs`
 */
export async function startServer(
  command: string,
  args: string[],
  env: Record<string, string>,
  url: string,
  readyPath: string,
  opts: { timeoutMs?: number; readyLine?: string; cpuProfDir?: string; nodeArgs?: string[] } = {},
): Promise<ServerProcess> {
  const execArgs = [...(opts.nodeArgs ?? []), ...(opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : []), ...args];
  const child = spawn(command, execArgs, { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  child.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode}:\n${out}`);
    const ready = await fetch(`${url}${readyPath}`).then((r) => r.status === 200, () => false);
    if (ready && (!opts.readyLine || out.includes(opts.readyLine))) break;
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`${args.join(' ')} not ready:\n${out}`);
    }
    await sleep(100);
  }
  return { pid: child.pid ?? 0, url, output: () => out, stop: () => stopChild(child) };
}

/** SIGTERM, then SIGKILL after 5 s; resolves when the process has exited. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

const TICKS_PER_SECOND = 100;

/** CPU time (user + system, ms) of `pid` and all its descendants, from /proc. */
export function cpuMs(pid: number): number {
  return [pid, ...descendants(pid)].reduce((sum, p) => sum + ownCpuMs(p), 0);
}

/** Resident set size of `pid` in MiB, from /proc. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

function ownCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11], fields[12] are utime and stime (fields 14 and 15 of proc(5)).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process has gone
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift() as number;
    for (const [child, parent] of parentOf) {
      if (parent !== p) continue;
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}
