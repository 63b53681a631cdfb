import * as bcrypt from 'bcrypt';
import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { serveRole } from '../lib/proc';
import { median } from '../lib/stats';
import { mintTokens, type BenchKey } from '../lib/tokens';

/** Raw node:crypto RS256 throughput of one thread. */
export interface RawCryptoResult {
  /** Operations per wall-clock second (what a busy shared core delivered). */
  signPerSecond: number;
  verifyPerSecond: number;
  /** CPU microseconds per operation (what one operation costs, independent of sharing). */
  signCpuUs: number;
  verifyCpuUs: number;
  /** Median wall time of one verify, µs (robust to preemption on a shared machine). */
  verifyMedianUs: number;
}

/** Signs, then verifies, a token-sized RS256 input for `durationMs` each. */
function rawCrypto(args: { key: BenchKey; durationMs: number }): RawCryptoResult {
  const priv = createPrivateKey(args.key.privatePem);
  const pub = createPublicKey(priv);
  const input = Buffer.from(mintTokens(args.key, { issuer: 'http://localhost:3000', ttlSeconds: 300 }, 1)[0]?.split('.').slice(0, 2).join('.') ?? '');
  const signature = sign('sha256', input, priv);
  const s = loop(args.durationMs, () => sign('sha256', input, priv));
  const v = loop(args.durationMs, () => {
    if (!verify('sha256', input, pub, signature)) throw new Error('verify failed');
  });
  const single: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const t0 = performance.now();
    verify('sha256', input, pub, signature);
    single.push(performance.now() - t0);
  }
  return { signPerSecond: s.perSecond, verifyPerSecond: v.perSecond, signCpuUs: s.cpuUs, verifyCpuUs: v.cpuUs, verifyMedianUs: median(single) * 1000 };
}

function loop(durationMs: number, op: () => void): { perSecond: number; cpuUs: number } {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < durationMs) {
    for (let i = 0; i < 16; i++) op();
    n += 16;
  }
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: (n * 1000) / wall, cpuUs: (cpu.user + cpu.system) / n };
}

/** Median time of `n` sequential bcrypt compares at `cost`, with auth-service's SHA-256 pre-hash. */
async function bcryptCompare(args: { cost: number; n: number }): Promise<{ medianMs: number }> {
  const prehash = (p: string) => createHash('sha256').update(p, 'utf8').digest('base64');
  const hash = await bcrypt.hash(prehash('correct horse battery staple'), args.cost);
  const times: number[] = [];
  for (let i = 0; i < args.n; i++) {
    const t0 = performance.now();
    if (!(await bcrypt.compare(prehash('correct horse battery staple'), hash))) throw new Error('bcrypt mismatch');
    times.push(performance.now() - t0);
  }
  return { medianMs: median(times) };
}

/** Entry of the `raw` role: node:crypto and bcrypt alone, and token minting. */
export function rawRole(): void {
  serveRole({
    crypto: (args: { key: BenchKey; durationMs: number }) => rawCrypto(args),
    bcrypt: (args: { cost: number; n: number }) => bcryptCompare(args),
    mint: (args: { key: BenchKey; issuer: string; ttlSeconds: number; count: number }) => mintTokens(args.key, args, args.count),
  });
}
