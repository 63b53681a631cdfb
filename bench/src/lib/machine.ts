import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './auth-cluster';

/** What the numbers were measured on. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  versions: Record<string, string>;
  loadBefore: string[];
  loadAfter: string[];
}

/** Reads the machine, the load average and the versions of what is measured. */
export function describeMachine(): Machine {
  const versions: Record<string, string> = {};
  for (const pkg of ['@nestjs/core', '@nestjs/platform-fastify', 'fastify', 'passport-jwt', 'jsonwebtoken', 'oidc-provider', 'autocannon', 'nats', 'pg', 'bcrypt']) {
    try {
      versions[pkg] = (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      versions[pkg] = 'n/a';
    }
  }
  versions['nats-server'] = tool('/usr/sbin/nats-server', ['--version']);
  versions['postgres'] = tool('psql', ['--version']);
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    versions,
    loadBefore: loadavg().map((l) => l.toFixed(2)),
    loadAfter: [],
  };
}

function tool(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', timeout: 5000 }).trim();
  } catch {
    return 'n/a';
  }
}
