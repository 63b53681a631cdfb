import { createHash, randomBytes } from 'node:crypto';
import { CODE_CLIENT, registerUsers, type AuthEnvironment } from '../lib/auth-cluster';
import type { Profile } from '../lib/profile';
import { Client } from 'pg';
import { cpuMs, type RoleProcess, type ServerProcess } from '../lib/proc';
import { fieldMedians, median } from '../lib/stats';
import type { LoadResult } from '../roles/loader';
import { startOidcProvider } from './issuance';

/**
 * Row 9: authorization_code exchanges per second, Gatehouse beside node-oidc-provider storing in
 * Postgres (`oidc`, as it must in production) and with its in-memory adapter (`oidcMemory`,
 * development only: nothing survives a restart, no second replica).
 */
export interface CodeFlowResult {
  runs: { gatehouse: Exchanges; oidc: Exchanges; oidcMemory: Exchanges }[];
  median: { gatehouse: Exchanges; oidc: Exchanges; oidcMemory: Exchanges; ratio: number; ratioMemory: number };
}

/** One side's exchanges in one run, with the CPU they cost (µs per exchange, from /proc). */
export interface Exchanges extends LoadResult {
  /** The server process (with its thread pool). */
  serverCpuUs: number;
  /** Its Postgres backends (by application_name; 0 for the in-memory peer). */
  postgresCpuUs: number;
}

interface Minted {
  code: string;
  verifier: string;
}

/**
 * Each run: mint `p.codes` codes on each side, then exchange them all (`p.connections` at a time)
 * against Gatehouse and against node-oidc-provider, back to back. Both return the same things: an
 * RS256 JWT access token, an RS256 ID token and a refresh token, for a public client with PKCE.
 * Gatehouse's codes come from its real authorization endpoint (a signed-in browser session,
 * first-party app); oidc-provider's from its own models (what its interactions would store).
 */
export async function benchCodeFlow(p: Profile, env: AuthEnvironment, auth: ServerProcess, loader: RoleProcess, log: (m: string) => void): Promise<CodeFlowResult> {
  const databaseUrl = env.env['DATABASE_URL'];
  if (!databaseUrl) throw new Error('row 9: the bench environment has no DATABASE_URL');
  const oidc = await startOidcProvider(env.client, { DATABASE_URL: databaseUrl });
  const oidcMemory = await startOidcProvider(env.client).catch(async (err: unknown) => {
    await oidc.stop();
    throw err;
  });
  const backends = new Client({ connectionString: databaseUrl });
  try {
    await backends.connect();
    const cookies = await signIn(auth.url);
    const runs: CodeFlowResult['runs'] = [];
    const postgresCpuMs = async (app: string | null) => {
      if (!app) return 0;
      const { rows } = await backends.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1', [app]);
      return rows.reduce((sum, r) => sum + cpuMs(r.pid), 0);
    };
    const exchange = async (server: ServerProcess, path: string, app: string | null, codes: Minted[]): Promise<Exchanges> => {
      const cpu0 = cpuMs(server.pid);
      const pg0 = await postgresCpuMs(app);
      const res = await loader.call<LoadResult>('postEach', {
        url: `${server.url}${path}`,
        connections: p.connections,
        bodies: codes.map((c) => new URLSearchParams({ grant_type: 'authorization_code', code: c.code, code_verifier: c.verifier, redirect_uri: CODE_CLIENT.redirectUri, client_id: CODE_CLIENT.id }).toString()),
      });
      const n = Math.max(1, res.ok);
      return { ...res, serverCpuUs: ((cpuMs(server.pid) - cpu0) * 1000) / n, postgresCpuUs: (((await postgresCpuMs(app)) - pg0) * 1000) / n };
    };
    const peerCodes = async (server: ServerProcess) => (await (await fetch(`${server.url}/bench/mint?n=${p.codes}`)).json()) as Minted[];
    for (let r = 0; r < p.runs; r++) {
      const ours = await mintGatehouse(auth.url, cookies, p.codes);
      const theirs = await peerCodes(oidc);
      const theirsInMemory = await peerCodes(oidcMemory);
      // Alternate which side goes first (ABBA over the runs), the in-memory peer last.
      const gatehouseFirst = r % 2 === 0;
      const ourSide = () => exchange(auth, '/oauth/token', 'auth-service', ours);
      const theirSide = () => exchange(oidc, '/token', 'oidc-provider-bench', theirs);
      const first = await (gatehouseFirst ? ourSide() : theirSide());
      const second = await (gatehouseFirst ? theirSide() : ourSide());
      const [gatehouse, peer] = gatehouseFirst ? [first, second] : [second, first];
      const memory = await exchange(oidcMemory, '/token', null, theirsInMemory);
      if (gatehouse.bad + peer.bad + memory.bad > 0) throw new Error(`row 9: failed exchanges (gatehouse ${gatehouse.bad}, oidc-provider ${peer.bad}, in memory ${memory.bad})`);
      runs.push({ gatehouse, oidc: peer, oidcMemory: memory });
      const line = (x: Exchanges) => `${x.rps.toFixed(0)}/s (p99 ${x.p99.toFixed(1)} ms; CPU/exchange ${x.serverCpuUs.toFixed(0)} µs + Postgres ${x.postgresCpuUs.toFixed(0)} µs)`;
      log(`row 9 run ${r + 1}: code exchanges gatehouse ${line(gatehouse)}, oidc-provider on Postgres ${line(peer)}, in memory ${line(memory)}`);
    }
    const load = (f: (x: CodeFlowResult['runs'][number]) => Exchanges): Exchanges => fieldMedians(runs.map(f));
    const gatehouse = load((x) => x.gatehouse);
    const peer = load((x) => x.oidc);
    const memory = load((x) => x.oidcMemory);
    return { runs, median: { gatehouse, oidc: peer, oidcMemory: memory, ratio: median(runs.map((x) => x.gatehouse.rps / x.oidc.rps)), ratioMemory: median(runs.map((x) => x.gatehouse.rps / x.oidcMemory.rps)) } };
  } finally {
    await Promise.all([oidc.stop(), oidcMemory.stop(), backends.end().catch(() => undefined)]);
  }
}

/** Users signed in for the row, as many as oidc-provider's minted grants spread over. */
const SIGNED_IN_USERS = 50;

/** Signs fresh users in through the dashboard form; returns their session cookie headers. */
async function signIn(base: string): Promise<string[]> {
  const users = await registerUsers(base, SIGNED_IN_USERS, 'codeflow');
  const cookies: string[] = [];
  for (const user of users) cookies.push(await signInOne(base, user));
  return cookies;
}

async function signInOne(base: string, user: { email: string; password: string }): Promise<string> {
  const form = await fetch(`${base}/login`);
  const loginCookie = form.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: loginCookie, origin: base, 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams({ email: user.email, password: user.password, csrf }).toString(),
  });
  const session = res.headers.getSetCookie().find((c) => c.startsWith('__Host-gh_session='));
  if (res.status !== 303 || !session) throw new Error(`row 9: web sign-in failed (${res.status})`);
  return session.split(';')[0] ?? '';
}

/** `n` codes from Gatehouse's authorization endpoint, 8 requests at a time, round-robin over the signed-in users. */
async function mintGatehouse(base: string, cookies: string[], n: number): Promise<Minted[]> {
  const out: Minted[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < n) {
        const cookie = cookies[next++ % cookies.length] ?? '';
        const verifier = randomBytes(32).toString('base64url');
        const q = new URLSearchParams({
          response_type: 'code',
          client_id: CODE_CLIENT.id,
          redirect_uri: CODE_CLIENT.redirectUri,
          scope: 'openid offline_access orders:read',
          code_challenge: createHash('sha256').update(verifier).digest('base64url'),
          code_challenge_method: 'S256',
          state: randomBytes(8).toString('hex'),
          nonce: randomBytes(8).toString('hex'),
        });
        const res = await fetch(`${base}/oauth/authorize?${q.toString()}`, { redirect: 'manual', headers: { cookie } });
        const code = new URL(res.headers.get('location') ?? 'http://x/').searchParams.get('code');
        if (res.status !== 303 || !code) throw new Error(`row 9: authorize gave ${res.status} ${res.headers.get('location') ?? ''}`);
        out.push({ code, verifier });
      }
    }),
  );
  return out;
}
