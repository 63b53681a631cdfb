import { freePort } from '@gatehouse/testing';
import type { LoadResult } from '../roles/loader';
import { PEER_KINDS, type PeerKind } from '../roles/peers';
import { ISSUER, type AuthEnvironment } from '../lib/auth-cluster';
import type { Profile } from '../lib/profile';
import { BENCH_MAIN, forkRole, startServer, type RoleProcess, type ServerProcess } from '../lib/proc';
import { median } from '../lib/stats';
import { generateBenchKey, mintTokens, serveJwks } from '../lib/tokens';
import { mint, startVerifier } from './verification';

/** Every verifier of row 8: ours in each framework, then the peers teams use today. */
export const ROW8_VERIFIERS = ['gatehouse-nest', ...PEER_KINDS] as const;
/** One of {@link ROW8_VERIFIERS}. */
export type Row8Verifier = (typeof ROW8_VERIFIERS)[number];

/** Who each verifier is, and whether it knows revocations. */
export const ROW8_LABELS: Record<Row8Verifier, { label: string; ours: boolean; framework: 'nest' | 'express' | 'fastify' }> = {
  'gatehouse-nest': { label: 'Gatehouse auth-verify — Nest module (Nest 11 on Fastify)', ours: true, framework: 'nest' },
  'gatehouse-express': { label: 'Gatehouse auth-verify — Express middleware (Express 5)', ours: true, framework: 'express' },
  'gatehouse-fastify': { label: 'Gatehouse auth-verify — Fastify plugin (Fastify 5)', ours: true, framework: 'fastify' },
  'fastify-jwt': { label: '@fastify/jwt + get-jwks (Fastify 5)', ours: false, framework: 'fastify' },
  'nest-passport': { label: '@nestjs/passport + passport-jwt + jwks-rsa (Nest 11 on Fastify)', ours: false, framework: 'nest' },
  'express-oauth2': { label: 'express-oauth2-jwt-bearer (Express 5)', ours: false, framework: 'express' },
};

/** Medians of one verifier's warm and cold runs. */
export interface PeerResult {
  warm: LoadResult;
  cold: LoadResult;
}

/** Row 8: each verifier's medians, and whether ours beat every peer in every framework, warm and cold. */
export interface PeersResult {
  verifiers: Record<Row8Verifier, PeerResult>;
  oursAhead: { warm: boolean; cold: boolean };
}

function startPeer(kind: PeerKind, natsUrl: string, issuer: string, jwksUri: string, port: number): Promise<ServerProcess> {
  return startServer(process.execPath, [BENCH_MAIN, 'peer', kind], { ISSUER: issuer, JWKS_URI: jwksUri, NATS_URL: natsUrl, PORT: String(port), NODE_ENV: 'production' }, `http://127.0.0.1:${port}`, '/health/ready', { timeoutMs: 60_000 });
}

async function startAll(natsUrl: string, issuer: string, jwksUri: string): Promise<Map<Row8Verifier, ServerProcess>> {
  const servers = new Map<Row8Verifier, ServerProcess>();
  try {
    servers.set('gatehouse-nest', await startVerifier(natsUrl, issuer, jwksUri));
    for (const kind of PEER_KINDS) servers.set(kind, await startPeer(kind, natsUrl, issuer, jwksUri, await freePort()));
  } catch (err) {
    await Promise.all([...servers.values()].map((s) => s.stop()));
    throw err;
  }
  return servers;
}

/**
 * Row 8: the verifiers side by side in one run, each in its own process on the same JWKS and
 * tokens (user-shaped RS256, `GET /orders` needing `orders:read`): warm (tokens reused) and cold
 * (each token new), rps and p99. Runs alternate the order of the verifiers (ABBA) so that drift
 * during the run does not favour whoever goes first.
 */
export async function benchPeers(p: Profile, auth: AuthEnvironment, loader: RoleProcess, raw: RoleProcess, log: (m: string) => void): Promise<PeersResult> {
  const key = generateBenchKey();
  const jwks = await serveJwks(key.jwk);
  const issuer = `${ISSUER}/bench`;
  const servers = await startAll(auth.nats.url, issuer, jwks.url);
  try {
    const warmTokens = mintTokens(key, { issuer, ttlSeconds: 1800 }, p.warmTokens);
    const perCold = p.coldTokens + p.connections * 2;
    // Every verifier is its own process with its own cache, so within a run they all get the same
    // never-seen tokens; each run has new ones.
    const coldTokens = await mint(key, issuer, perCold * p.runs, [raw, forkRole('raw')]);
    const runs = new Map<Row8Verifier, PeerResult[]>(ROW8_VERIFIERS.map((v) => [v, []]));
    const load = (v: Row8Verifier, spec: object) => loader.call<LoadResult>('load', { url: `${servers.get(v)?.url ?? ''}/orders`, connections: p.connections, ...spec });
    for (const v of ROW8_VERIFIERS) await load(v, { durationS: p.loadS, tokens: warmTokens, tokenMode: 'cycle' }); // warm-up, discarded
    for (let r = 0; r < p.runs; r++) {
      const order = r % 2 === 0 ? ROW8_VERIFIERS : [...ROW8_VERIFIERS].reverse();
      for (const v of order) {
        const warm = await load(v, { durationS: p.loadS, tokens: warmTokens, tokenMode: 'cycle' });
        const cold = await load(v, { amount: p.coldTokens, tokens: coldTokens.slice(r * perCold, (r + 1) * perCold), tokenMode: 'unique' });
        if (warm.bad > 0 || cold.bad > 0) throw new Error(`row 8: ${v} refused ${warm.bad + cold.bad} valid requests`);
        runs.get(v)?.push({ warm, cold });
        log(`row 8 run ${r + 1}: ${v} warm ${warm.rps.toFixed(0)} rps (p99 ${warm.p99} ms), cold ${cold.rps.toFixed(0)} rps (p99 ${cold.p99} ms)`);
      }
    }
    const verifiers = Object.fromEntries(ROW8_VERIFIERS.map((v) => [v, medians(runs.get(v) ?? [])])) as Record<Row8Verifier, PeerResult>;
    // Ours in each framework against every peer in the same framework (the framework's own cost
    // is the same on both sides; Express itself serves far fewer requests than Fastify here).
    const ahead = (w: 'warm' | 'cold') =>
      ROW8_VERIFIERS.filter((v) => ROW8_LABELS[v].ours).every((ours) =>
        ROW8_VERIFIERS.filter((peer) => !ROW8_LABELS[peer].ours && ROW8_LABELS[peer].framework === ROW8_LABELS[ours].framework).every((peer) => verifiers[ours][w].rps > verifiers[peer][w].rps),
      );
    return { verifiers, oursAhead: { warm: ahead('warm'), cold: ahead('cold') } };
  } finally {
    await Promise.all([...servers.values()].map((s) => s.stop()));
    await jwks.close();
  }
}

function medians(runs: PeerResult[]): PeerResult {
  const of = (w: 'warm' | 'cold'): LoadResult => {
    const m = (f: (x: LoadResult) => number) => median(runs.map((x) => f(x[w])));
    return { rps: m((x) => x.rps), p50: m((x) => x.p50), p99: m((x) => x.p99), ok: m((x) => x.ok), bad: m((x) => x.bad), durationS: m((x) => x.durationS) };
  };
  return { warm: of('warm'), cold: of('cold') };
}
