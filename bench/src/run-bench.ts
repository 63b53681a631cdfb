import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createAuthEnvironment, startAuth } from './lib/auth-cluster';
import { describeMachine, type Machine } from './lib/machine';
import { FULL, SMOKE, type Profile } from './lib/profile';
import { forkRole, type ServerProcess } from './lib/proc';
import { renderReport } from './report';
import { benchCodeFlow, type CodeFlowResult } from './rows/code-flow';
import { benchExchange, type ExchangeResult } from './rows/exchange';
import { benchIssuance, type IssuanceResult } from './rows/issuance';
import { benchLogin, loginUsers, type LoginResult } from './rows/login';
import { benchMemory, type MemoryResult } from './rows/memory';
import { benchPeers, type PeersResult } from './rows/peers';
import { benchRevocation, type RevocationResult } from './rows/revocation';
import { benchStorage, type StorageResult } from './rows/storage';
import { benchVerification, type VerificationResult } from './rows/verification';

/** Everything one `npm run bench` measured. */
export interface BenchResults {
  profile: Profile;
  machine: Machine;
  startedAt: string;
  seconds: number;
  verification?: VerificationResult;
  issuance?: IssuanceResult;
  login?: { one: LoginResult; two: LoginResult };
  revocation?: RevocationResult;
  memory?: MemoryResult;
  codeFlow?: CodeFlowResult;
  peers?: PeersResult;
  storage?: StorageResult;
  exchange?: ExchangeResult;
}

interface Args {
  profile: Profile;
  out: string | null;
  json: string | null;
  only: Set<string> | null;
}

function parseArgs(argv: string[]): Args {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? (argv[i + 1] ?? null) : null;
  };
  const only = value('--only');
  return {
    profile: argv.includes('--smoke') ? SMOKE : FULL,
    out: value('--out'),
    json: value('--json'),
    only: only ? new Set(only.split(',')) : null,
  };
}

/** Runs the selected rows with every process started here and stopped before returning. */
export async function runBench(argv: string[]): Promise<BenchResults> {
  const args = parseArgs(argv);
  const saved = argv.indexOf('--render');
  if (saved >= 0) {
    // Re-render a report from a saved --json file (after editing bench/profiling.md).
    const results = JSON.parse(readFileSync(argv[saved + 1] ?? '', 'utf8')) as BenchResults;
    if (args.out) write(args.out, renderReport(results));
    return results;
  }
  const p = args.profile;
  const wants = (row: string) => !args.only || args.only.has(row);
  const log = (m: string) => process.stdout.write(`[bench ${((Date.now() - t0) / 1000).toFixed(0)}s] ${m}\n`);
  const t0 = Date.now();
  const results: BenchResults = { profile: p, machine: describeMachine(), startedAt: new Date().toISOString(), seconds: 0 };
  log(`profile ${p.name}; load average ${results.machine.loadBefore.join(' ')}`);
  const env = await createAuthEnvironment(p.bcryptCost);
  const loader = forkRole('loader');
  const raw = forkRole('raw');
  const servers: ServerProcess[] = [];
  try {
    const auth1 = await startAuth(env, 1);
    servers.push(auth1);
    log(`auth-service (1 process) ready at ${auth1.url}`);
    if (wants('1') || wants('2')) results.verification = await benchVerification(p, env, loader, raw, log);
    if (wants('3') || wants('7') || wants('4')) {
      const auth2 = await startAuth(env, 2, { OUTBOX_RELAY: 'false' });
      servers.push(auth2);
      log(`auth-service (2 processes) ready at ${auth2.url}`);
      if (wants('3') || wants('7')) results.issuance = await benchIssuance(p, env, auth1, auth2, loader, log);
      if (wants('4') || wants('7')) {
        const users = await loginUsers(auth1.url, p);
        const one = await benchLogin(p, auth1, raw, users, true);
        log(`row 4: login ${one.loginMedianMs.toFixed(1)} ms − bcrypt ${one.bcryptMedianMs.toFixed(1)} ms; burst lag p99 ${one.burst.lagP99Ms.toFixed(1)} ms`);
        const two = await benchLogin(p, auth2, raw, users, false);
        results.login = { one, two };
      }
      await auth2.stop();
    }
    if (wants('9')) results.codeFlow = await benchCodeFlow(p, env, auth1, loader, log);
    if (wants('5')) results.revocation = await benchRevocation(p, env, auth1, loader, log);
    if (wants('6')) results.memory = await benchMemory(p, env, auth1.url, loader, log);
    if (wants('8')) results.peers = await benchPeers(p, env, loader, raw, log);
    if (wants('10')) results.storage = await benchStorage(p, log);
    if (wants('11')) results.exchange = await benchExchange(p, env, auth1, loader, log);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await Promise.all([loader.stop(), raw.stop()]);
    await env.dispose();
  }
  results.seconds = (Date.now() - t0) / 1000;
  results.machine.loadAfter = describeMachine().loadBefore;
  log(`done in ${results.seconds.toFixed(0)} s; load average ${results.machine.loadAfter.join(' ')}`);
  if (args.json) write(args.json, JSON.stringify(results, null, 2));
  if (args.out) write(args.out, renderReport(results));
  return results;
}

function write(file: string, text: string): void {
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
