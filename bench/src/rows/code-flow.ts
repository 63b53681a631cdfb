import { createHash, randomBytes } from 'node:crypto';
import { CODE_CLIENT, registerUsers, type AuthEnvironment } from '../lib/auth-cluster';
import type { Profile } from '../lib/profile';
import type { RoleProcess, ServerProcess } from '../lib/proc';
import { median } from '../lib/stats';
import type { LoadResult } from '../roles/loader';
import { startOidcProvider } from './issuance';

/** Row 9: authorization_code exchanges per second, Gatehouse beside node-oidc-provider. */
export interface CodeFlowResult {
  runs: { gatehouse: LoadResult; oidc: LoadResult }[];
  median: { gatehouse: LoadResult; oidc: LoadResult; ratio: number };
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
  const oidc = await startOidcProvider(env.client);
  try {
    const cookie = await signIn(auth.url);
    const runs: CodeFlowResult['runs'] = [];
    const exchange = (url: string, codes: Minted[]) =>
      loader.call<LoadResult>('postEach', {
        url,
        connections: p.connections,
        bodies: codes.map((c) => new URLSearchParams({ grant_type: 'authorization_code', code: c.code, code_verifier: c.verifier, redirect_uri: CODE_CLIENT.redirectUri, client_id: CODE_CLIENT.id }).toString()),
      });
    for (let r = 0; r < p.runs; r++) {
      const ours = await mintGatehouse(auth.url, cookie, p.codes);
      const theirs = (await (await fetch(`${oidc.url}/bench/mint?n=${p.codes}`)).json()) as Minted[];
      const gatehouse = await exchange(`${auth.url}/oauth/token`, ours);
      const peer = await exchange(`${oidc.url}/token`, theirs);
      if (gatehouse.bad + peer.bad > 0) throw new Error(`row 9: failed exchanges (gatehouse ${gatehouse.bad}, oidc-provider ${peer.bad})`);
      runs.push({ gatehouse, oidc: peer });
      log(`row 9 run ${r + 1}: code exchanges gatehouse ${gatehouse.rps.toFixed(0)}/s (p99 ${gatehouse.p99.toFixed(1)} ms), oidc-provider ${peer.rps.toFixed(0)}/s (p99 ${peer.p99.toFixed(1)} ms)`);
    }
    const load = (f: (x: CodeFlowResult['runs'][number]) => LoadResult): LoadResult => ({
      rps: median(runs.map((x) => f(x).rps)),
      p50: median(runs.map((x) => f(x).p50)),
      p99: median(runs.map((x) => f(x).p99)),
      ok: median(runs.map((x) => f(x).ok)),
      bad: 0,
      durationS: median(runs.map((x) => f(x).durationS)),
    });
    const gatehouse = load((x) => x.gatehouse);
    const peer = load((x) => x.oidc);
    return { runs, median: { gatehouse, oidc: peer, ratio: gatehouse.rps / peer.rps } };
  } finally {
    await oidc.stop();
  }
}

/** Signs a fresh user in through the dashboard form; returns the session cookie header. */
async function signIn(base: string): Promise<string> {
  const [user] = await registerUsers(base, 1, 'codeflow');
  if (!user) throw new Error('row 9: no user');
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

/** `n` codes from Gatehouse's authorization endpoint, 8 requests at a time. */
async function mintGatehouse(base: string, cookie: string, n: number): Promise<Minted[]> {
  const out: Minted[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next++ < n) {
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
