import { freePort } from '@gatehouse/testing';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { login, registerUsers, ROOT, type AuthEnvironment } from '../lib/auth-cluster';
import type { Profile } from '../lib/profile';
import { startServer, type RoleProcess, type ServerProcess } from '../lib/proc';
import { median } from '../lib/stats';
import type { LoadResult } from '../roles/loader';

/** Rows 3 and 7: client_credentials tokens/s, side by side, and refresh rotations/s. */
export interface IssuanceResult {
  runs: { auth1: LoadResult; auth2: LoadResult; oidc: LoadResult; refresh1: RefreshResult; refresh2: RefreshResult }[];
  median: {
    auth1: LoadResult;
    auth2: LoadResult;
    oidc: LoadResult;
    refresh1: RefreshResult;
    refresh2: RefreshResult;
    /** auth-service (2 processes) ÷ oidc-provider — target ≥ 1.5. */
    auth2VsOidc: number;
    auth1VsOidc: number;
    /** 2 processes ÷ 1 process. */
    scaling: number;
  };
}

/** Refresh-grant rotations. */
export interface RefreshResult {
  perSecond: number;
  ok: number;
  bad: number;
  p50: number;
  p99: number;
}

/** Starts node-oidc-provider (the peer) for the same grant with an RS256 key of its own. */
export async function startOidcProvider(client: { id: string; secret: string }, extra: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };
  return startServer(
    process.execPath,
    [join(ROOT, 'bench', 'src', 'oidc', 'oidc-provider.mjs')],
    { NODE_ENV: 'production', PORT: String(port), CLIENT_ID: client.id, CLIENT_SECRET: client.secret, SIGNING_JWK: JSON.stringify(jwk), TTL: '900', ...extra },
    `http://127.0.0.1:${port}`,
    '/.well-known/openid-configuration',
  );
}

/**
 * Each run: auth-service with 1 process, node-oidc-provider, auth-service with 2 processes
 * (AUTH_WORKERS=2), back to back, same load; then refresh-token rotations against both.
 */
export async function benchIssuance(p: Profile, env: AuthEnvironment, auth1: ServerProcess, auth2: ServerProcess, loader: RoleProcess, log: (m: string) => void): Promise<IssuanceResult> {
  const oidc = await startOidcProvider(env.client);
  try {
    const basic = `Basic ${Buffer.from(`${env.client.id}:${env.client.secret}`).toString('base64')}`;
    const form = { 'content-type': 'application/x-www-form-urlencoded', authorization: basic };
    const ours = (url: string) => ({ url: `${url}/oauth/token`, method: 'POST' as const, headers: form, body: 'grant_type=client_credentials&audience=orders&scope=orders%3Aread', connections: p.connections, durationS: p.loadS });
    const users = await registerUsers(auth1.url, p.refreshChains, 'refresh');
    const runs: IssuanceResult['runs'] = [];
    for (let r = 0; r < p.runs; r++) {
      const a1 = await loader.call<LoadResult>('load', ours(auth1.url));
      const o = await loader.call<LoadResult>('load', { url: `${oidc.url}/token`, method: 'POST', headers: form, body: 'grant_type=client_credentials&scope=orders%3Aread', connections: p.connections, durationS: p.loadS });
      const a2 = await loader.call<LoadResult>('load', ours(auth2.url));
      if (a1.bad + o.bad + a2.bad > 0) throw new Error(`row 3: failed token requests (auth1 ${a1.bad}, oidc ${o.bad}, auth2 ${a2.bad})`);
      const refresh = async (url: string) => {
        const tokens = await Promise.all(users.map(async (u) => (await login(url, u)).refresh));
        return loader.call<RefreshResult>('refresh', { url: `${url}/oauth/token`, refreshTokens: tokens, durationMs: p.loadS * 1000 });
      };
      const refresh1 = await refresh(auth1.url);
      const refresh2 = await refresh(auth2.url);
      runs.push({ auth1: a1, auth2: a2, oidc: o, refresh1, refresh2 });
      log(`row 3 run ${r + 1}: auth 1p ${a1.rps.toFixed(0)}/s, oidc-provider ${o.rps.toFixed(0)}/s, auth 2p ${a2.rps.toFixed(0)}/s; refresh ${refresh1.perSecond.toFixed(0)}/s, ${refresh2.perSecond.toFixed(0)}/s`);
    }
    const m = (f: (x: IssuanceResult['runs'][number]) => number) => median(runs.map(f));
    const load = (f: (x: IssuanceResult['runs'][number]) => LoadResult): LoadResult => ({
      rps: m((x) => f(x).rps),
      p50: m((x) => f(x).p50),
      p99: m((x) => f(x).p99),
      ok: m((x) => f(x).ok),
      bad: m((x) => f(x).bad),
      durationS: m((x) => f(x).durationS),
    });
    const ref = (f: (x: IssuanceResult['runs'][number]) => RefreshResult): RefreshResult => ({
      perSecond: m((x) => f(x).perSecond),
      ok: m((x) => f(x).ok),
      bad: m((x) => f(x).bad),
      p50: m((x) => f(x).p50),
      p99: m((x) => f(x).p99),
    });
    return {
      runs,
      median: {
        auth1: load((x) => x.auth1),
        auth2: load((x) => x.auth2),
        oidc: load((x) => x.oidc),
        refresh1: ref((x) => x.refresh1),
        refresh2: ref((x) => x.refresh2),
        auth2VsOidc: m((x) => x.auth2.rps / x.oidc.rps),
        auth1VsOidc: m((x) => x.auth1.rps / x.oidc.rps),
        scaling: m((x) => x.auth2.rps / x.auth1.rps),
      },
    };
  } finally {
    await oidc.stop();
  }
}
