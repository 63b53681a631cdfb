import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClientsService, type NewClient } from '../app/clients/clients.service';
import type { TestAuthService } from './test-auth-app';
import { csrfIn, WebClient } from './web-helpers';

/** A relying party on loopback: records callbacks and back-channel logout tokens, answers 200. */
export interface TestRelyingParty {
  readonly url: string;
  readonly callbackUri: string;
  readonly logoutUri: string;
  readonly backchannelUri: string;
  readonly callbacks: URL[];
  readonly logoutTokens: string[];
  /** Makes the back-channel endpoint answer this status (e.g. 503 to test retries). */
  backchannelStatus: number;
  close(): Promise<void>;
}

/** Starts a {@link TestRelyingParty} on an ephemeral loopback port. */
export async function startRelyingParty(): Promise<TestRelyingParty> {
  const callbacks: URL[] = [];
  const logoutTokens: string[] = [];
  const rp = { backchannelStatus: 200 };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'POST' && url.pathname === '/backchannel-logout') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        if (rp.backchannelStatus === 200) logoutTokens.push(new URLSearchParams(body).get('logout_token') ?? '');
        res.writeHead(rp.backchannelStatus, { 'cache-control': 'no-store' }).end();
      });
      return;
    }
    if (url.pathname === '/callback') callbacks.push(new URL(req.url ?? '/', base));
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><title>RP</title><h1>${url.pathname === '/callback' ? 'Signed in' : 'Signed out'}</h1>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(rp, {
    url: base,
    callbackUri: `${base}/callback`,
    logoutUri: `${base}/logged-out`,
    backchannelUri: `${base}/backchannel-logout`,
    callbacks,
    logoutTokens,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/** Registers an app for the code flow pointing at `rp`; returns its secret (null for a public client). */
export async function registerApp(svc: TestAuthService, rp: TestRelyingParty, id: string, extra: Partial<NewClient> = {}): Promise<string | null> {
  const { clientSecret } = await svc.app.get(ClientsService).register({
    id,
    name: `App ${id}`,
    redirectUris: [rp.callbackUri],
    postLogoutRedirectUris: [rp.logoutUri],
    backchannelLogoutUri: rp.backchannelUri,
    audiences: ['orders'],
    scopes: ['openid', 'email', 'offline_access', 'orders:read'],
    ...extra,
  });
  return clientSecret;
}

/** A PKCE verifier and its S256 challenge. */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** `/oauth/authorize?…` for `clientId` with PKCE, state and nonce; `overrides` replace or (with null) drop parameters. */
export function authorizePath(clientId: string, redirectUri: string, challenge: string, overrides: Record<string, string | null> = {}): string {
  const params: Record<string, string | null> = {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: 'openid email orders:read',
    state: 'st-' + randomBytes(6).toString('hex'),
    nonce: 'n-' + randomBytes(6).toString('hex'),
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...overrides,
  };
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null) q.append(k, v);
  return `/oauth/authorize?${q.toString()}`;
}

/** A browser-like client that walks the code flow by HTTP: sign-in form, consent, callback. */
export class CodeFlowBrowser extends WebClient {
  /**
   * Follows a flow from `path` through /login (signing in as `email` when asked) and the consent
   * page (answering `decision`), until a response leaves for the app; returns that redirect.
   */
  async authorize(path: string, email: string, password: string, decision: 'allow' | 'deny' = 'allow'): Promise<{ location: URL; steps: string[] }> {
    const steps: string[] = [];
    let step = await this.get(path);
    for (let i = 0; i < 8; i++) {
      const location = step.res.headers.get('location');
      if (step.res.status === 303 && location && !location.startsWith('/')) return { location: new URL(location), steps };
      if (step.res.status === 303 && location?.startsWith('/login')) {
        steps.push('login');
        const form = await this.get(location);
        if (form.res.status === 303) {
          step = await this.get(form.res.headers.get('location') ?? '/');
          continue;
        }
        step = await this.post('/login', { email, password, csrf: csrfIn(form.body), authz: authzIn(form.body) });
      } else if (step.res.status === 303 && location) {
        step = await this.get(location);
      } else if (step.res.status === 200 && step.body.includes('/oauth/authorize/consent')) {
        steps.push('consent');
        step = await this.post('/oauth/authorize/consent', { csrf: csrfIn(step.body), authz: authzIn(step.body), decision });
      } else {
        throw new Error(`flow stopped: ${step.res.status} ${step.body.slice(0, 300)}`);
      }
    }
    throw new Error('flow did not finish');
  }
}

/** The sealed pending request in a page's form. */
export function authzIn(page: string): string {
  const m = /name="authz" value="([^"]+)"/.exec(page);
  if (!m?.[1]) throw new Error('no authz field in page');
  return m[1];
}

/** A free loopback port (for a service whose issuer URL must name its own port). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
