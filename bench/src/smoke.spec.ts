import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..', '..');

/**
 * One short round of every benchmark against the built bundles (`dist/bench`, `dist/apps/auth-service`;
 * the test target builds them first). Asserts only that each row runs and yields numbers.
 */
describe('npm run bench (smoke)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-bench-smoke-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs rows 1–11 once and reports numbers', async () => {
    const json = join(dir, 'results.json');
    const md = join(dir, 'BENCHMARKS.md');
    await promisify(execFile)(process.execPath, [join(ROOT, 'dist', 'bench', 'main.js'), '--smoke', '--json', json, '--out', md], { timeout: 330_000, maxBuffer: 4 * 2 ** 20 });
    const r = JSON.parse(readFileSync(json, 'utf8'));
    const numbers: number[] = [
      r.verification.median.pub.rps,
      r.verification.median.warm.rps,
      r.verification.median.cold.rps,
      r.verification.median.cold.verifyMedianUs,
      r.verification.median.cold.rawInServerMedianUs,
      r.verification.median.raw.signPerSecond,
      r.verification.median.raw.verifyPerSecond,
      r.issuance.median.auth1.rps,
      r.issuance.median.auth2.rps,
      r.issuance.median.oidc.rps,
      r.issuance.median.refresh1.perSecond,
      r.login.one.loginMedianMs,
      r.login.one.bcryptMedianMs,
      r.login.one.burst.lagP99Ms,
      r.login.two.burst.perSecond,
      r.revocation.sequential.p99,
      r.revocation.sequentialPolled.p99,
      r.revocation.sustained.p99,
      r.revocation.cluster.healthy.p99,
      r.revocation.cluster.leaderKill.p99,
      r.memory.peakRssMiB,
      r.memory.peakEntries,
      r.codeFlow.median.gatehouse.rps,
      r.codeFlow.median.oidc.rps,
      r.codeFlow.median.gatehouse.p99,
      ...Object.values(r.peers.verifiers as Record<string, { warm: { rps: number }; cold: { rps: number } }>).flatMap((v) => [v.warm.rps, v.cold.rps]),
      r.storage.janitor.rows,
      r.storage.janitor.rowsPerSecond,
      r.storage.empty.loginP99Ms,
      r.storage.full.refreshP99Ms,
      r.storage.before.refresh_tokens.rows,
      r.exchange.median.exchange.rps,
      r.exchange.median.clientCredentials.rps,
      r.exchange.orders.hitRatio,
    ];
    expect(Object.keys(r.peers.verifiers)).toHaveLength(6);
    for (const n of numbers) expect(Number.isFinite(n) && n > 0).toBe(true);
    expect(r.revocation.sustained.lost).toBe(0);
    expect(r.revocation.cluster.leaderKill.lost).toBe(0);
    expect(r.exchange.orders.failed).toBe(0);
    const report = readFileSync(md, 'utf8');
    for (const row of ['| 1 |', '| 2 |', '| 3 |', '| 4 |', '| 5 |', '| 6 |', '| 7 |', '| 8 |', '| 9 |', '| 10 |', '| 11 |']) expect(report).toContain(row);
  }, 340_000);
});
