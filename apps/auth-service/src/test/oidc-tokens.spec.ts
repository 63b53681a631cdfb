import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { DataSource } from 'typeorm';
import { LOGOUT_LISTENER_APPLICATION_NAME } from '../app/oidc/backchannel-logout-relay.service';
import { UsersService } from '../app/users/users.service';
import { authorizePath, CodeFlowBrowser, pkce, registerApp, startRelyingParty, type TestRelyingParty } from './oidc-helpers';
import { until } from './stream-helpers';
import { basic, postForm, startAuthService, type TestAuthService } from './test-auth-app';

/**
 * The token side of the code flow: exchange with PKCE, ID token, userinfo, refresh, code replay and
 * injection, RP-initiated logout and back-channel logout on every way a session ends.
 */
describe('authorization_code grant, ID tokens and logout', () => {
  jest.setTimeout(40_000);
  const PASSWORD = 'token-password-1';
  let svc: TestAuthService;
  let rp: TestRelyingParty;
  let webSecret: string;
  let jwks: ReturnType<typeof createRemoteJWKSet>;
  let n = 0;

  beforeAll(async () => {
    svc = await startAuthService('oidc_tokens');
    rp = await startRelyingParty();
    await registerApp(svc, rp, 'spa', { tokenEndpointAuthMethod: 'none', firstParty: true });
    webSecret = (await registerApp(svc, rp, 'webapp', { firstParty: true })) ?? '';
    await registerApp(svc, rp, 'other', { tokenEndpointAuthMethod: 'none', firstParty: true, backchannelLogoutUri: null });
    jwks = createRemoteJWKSet(new URL(`${svc.url}/.well-known/jwks.json`));
  });
  afterAll(async () => {
    await rp?.close();
    await svc?.dispose();
  });

  /** Signs a new user in to `clientId`; returns the code, the verifier and the browser. */
  async function signIn(clientId: string, extra: Record<string, string | null> = {}) {
    const email = `tok${++n}@example.com`;
    await svc.app.get(UsersService).register(email, PASSWORD);
    const { verifier, challenge } = pkce();
    const web = new CodeFlowBrowser(svc.url);
    const nonce = `nonce-${n}`;
    const { location } = await web.authorize(authorizePath(clientId, rp.callbackUri, challenge, { nonce, ...extra }), email, PASSWORD);
    return { code: location.searchParams.get('code') ?? '', verifier, web, email, nonce };
  }
  const exchange = (clientId: string, code: string, verifier: string | null, headers: Record<string, string> = {}) =>
    postForm(`${svc.url}/oauth/token`, { grant_type: 'authorization_code', code, redirect_uri: rp.callbackUri, ...(verifier ? { code_verifier: verifier } : {}), ...(headers['authorization'] ? {} : { client_id: clientId }) }, headers);

  it('exchanges a code for an access token, an ID token and a refresh token; userinfo and refresh work', async () => {
    const { code, verifier, email, nonce } = await signIn('spa', { scope: 'openid email offline_access orders:read' });
    const res = await exchange('spa', code, verifier);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const idToken = String(res.body['id_token']);
    expect(decodeProtectedHeader(idToken)).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    const { payload } = await jwtVerify(idToken, jwks, { issuer: svc.config.ISSUER, audience: 'spa', algorithms: ['RS256'] });
    expect(payload).toMatchObject({ nonce, azp: 'spa', email, email_verified: false });
    expect(typeof payload['auth_time']).toBe('number');
    const access = await jwtVerify(String(res.body['access_token']), jwks, { issuer: svc.config.ISSUER, audience: 'orders', typ: 'at+jwt' });
    expect(access.payload).toMatchObject({ sub: payload.sub, client_id: 'spa', sid: payload['sid'], scope: 'openid email offline_access orders:read' });
    const info = await fetch(`${svc.url}/oauth/userinfo`, { headers: { authorization: `Bearer ${String(res.body['access_token'])}` } });
    expect(await info.json()).toEqual({ sub: payload.sub, email, email_verified: false });
    const refreshed = await postForm(`${svc.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: String(res.body['refresh_token']), client_id: 'spa' });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body['refresh_token']).not.toBe(res.body['refresh_token']);
    const wrongClient = await postForm(`${svc.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: String(refreshed.body['refresh_token']), client_id: 'other' });
    expect(wrongClient.body['error']).toBe('invalid_grant');
  });

  it('personal data only as the scopes allow; userinfo refuses tokens without openid and dead tokens', async () => {
    const { code, verifier } = await signIn('spa', { scope: 'openid orders:read' });
    const res = await exchange('spa', code, verifier);
    const { payload } = await jwtVerify(String(res.body['id_token']), jwks, { issuer: svc.config.ISSUER, audience: 'spa' });
    expect(payload['email']).toBeUndefined();
    const info = await fetch(`${svc.url}/oauth/userinfo`, { method: 'POST', headers: { authorization: `Bearer ${String(res.body['access_token'])}` } });
    expect(Object.keys((await info.json()) as object)).toEqual(['sub']);
    const forged = await fetch(`${svc.url}/oauth/userinfo`, { headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.e30.x' } });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const none = await fetch(`${svc.url}/oauth/userinfo`);
    expect(none.status).toBe(401);
  });

  it('a confidential app must authenticate; its secret works by Basic and in the body', async () => {
    const first = await signIn('webapp');
    expect((await exchange('webapp', first.code, first.verifier)).body['error']).toBe('invalid_client');
    expect((await exchange('webapp', first.code, first.verifier, { authorization: basic('webapp', 'wrong-secret-'.repeat(4)) })).status).toBe(401);
    const ok = await exchange('webapp', first.code, first.verifier, { authorization: basic('webapp', webSecret) });
    expect(ok.status).toBe(200);
    const second = await signIn('webapp');
    const post = await postForm(`${svc.url}/oauth/token`, { grant_type: 'authorization_code', code: second.code, redirect_uri: rp.callbackUri, code_verifier: second.verifier, client_id: 'webapp', client_secret: webSecret });
    expect(post.status).toBe(200);
  });

  it('PKCE and binding: a wrong or missing verifier, another client, another redirect URI or an expired code fail', async () => {
    const { code, verifier } = await signIn('spa');
    expect((await exchange('spa', code, null)).body['error']).toBe('invalid_request');
    expect((await exchange('spa', code, pkce().verifier)).body['error']).toBe('invalid_grant');
    expect((await exchange('other', code, verifier)).body['error']).toBe('invalid_grant');
    const otherUri = await postForm(`${svc.url}/oauth/token`, { grant_type: 'authorization_code', code, redirect_uri: `${rp.callbackUri}x`, code_verifier: verifier, client_id: 'spa' });
    expect(otherUri.body['error']).toBe('invalid_grant');
    expect((await exchange('spa', 'x'.repeat(43), verifier)).body['error']).toBe('invalid_grant');
    // After all of that the rightful exchange still works: failed attempts do not burn the code.
    expect((await exchange('spa', code, verifier)).status).toBe(200);
    const late = await signIn('spa');
    await svc.app.get(DataSource).query(`UPDATE authorization_codes SET expires_at = now() - interval '1 second' WHERE used_at IS NULL`);
    expect((await exchange('spa', late.code, late.verifier)).body['error']).toBe('invalid_grant');
  });

  it('a replayed code fails and revokes everything its first exchange issued', async () => {
    const { code, verifier } = await signIn('spa', { scope: 'openid offline_access orders:read' });
    const first = await exchange('spa', code, verifier);
    expect(first.status).toBe(200);
    const replay = await exchange('spa', code, verifier);
    expect(replay.body['error']).toBe('invalid_grant');
    const refresh = await postForm(`${svc.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: String(first.body['refresh_token']), client_id: 'spa' });
    expect(refresh.body['error']).toBe('invalid_grant');
    const info = await fetch(`${svc.url}/oauth/userinfo`, { headers: { authorization: `Bearer ${String(first.body['access_token'])}` } });
    expect(info.status).toBe(401);
    const audit = await svc.app.get(DataSource).query(`SELECT count(*)::int AS n FROM audit_log WHERE event = 'code_replay_detected'`);
    expect(audit[0].n).toBeGreaterThanOrEqual(1);
  });

  it('RP-initiated logout: ends the app and browser sessions, returns to a registered URI with state; others are refused', async () => {
    const { code, verifier, web } = await signIn('spa');
    const tokens = await exchange('spa', code, verifier);
    const idToken = String(tokens.body['id_token']);
    const evil = await web.get(`/oauth/logout?id_token_hint=${idToken}&post_logout_redirect_uri=${encodeURIComponent('https://evil.example/')}`);
    expect([evil.res.status, evil.res.headers.get('location')]).toEqual([400, null]);
    const noHint = await web.get(`/oauth/logout?client_id=spa&post_logout_redirect_uri=${encodeURIComponent(rp.logoutUri)}`);
    expect([noHint.res.status, noHint.res.headers.get('location')]).toEqual([400, null]);
    const bad = await web.get('/oauth/logout?id_token_hint=not.a.jwt');
    expect(bad.res.status).toBe(400);
    const ok = await web.get(`/oauth/logout?id_token_hint=${idToken}&post_logout_redirect_uri=${encodeURIComponent(rp.logoutUri)}&state=bye`);
    expect(ok.res.status).toBe(303);
    expect(ok.res.headers.get('location')).toBe(`${rp.logoutUri}?state=bye`);
    expect((await web.get('/account')).res.headers.get('location')).toBe('/login');
    const info = await fetch(`${svc.url}/oauth/userinfo`, { headers: { authorization: `Bearer ${String(tokens.body['access_token'])}` } });
    expect(info.status).toBe(401);
  });

  it('back-channel logout: every way a session ends sends a verifiable logout token to the app', async () => {
    const ends: [string, (t: Record<string, unknown>, web: CodeFlowBrowser) => Promise<unknown>][] = [
      ['bearer logout', (t) => fetch(`${svc.url}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${String(t['access_token'])}` } })],
      ['bearer logout-all', (t) => fetch(`${svc.url}/auth/logout-all`, { method: 'POST', headers: { authorization: `Bearer ${String(t['access_token'])}` } })],
      ['browser logout', async (_t, web) => web.post('/logout', { csrf: (/name="csrf" value="([^"]+)"/.exec((await web.get('/logout')).body) ?? [])[1] ?? '' })],
      ['refresh reuse', async (t) => {
        const rt = String(t['refresh_token']);
        await postForm(`${svc.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: rt, client_id: 'spa' });
        await svc.app.get(DataSource).query(`UPDATE refresh_tokens SET rotated_at = now() - interval '1 hour' WHERE rotated_at IS NOT NULL`);
        return postForm(`${svc.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: rt, client_id: 'spa' });
      }],
    ];
    for (const [how, end] of ends) {
      const { code, verifier, web } = await signIn('spa', { scope: 'openid offline_access orders:read' });
      const tokens = await exchange('spa', code, verifier);
      const { payload: id } = await jwtVerify(String(tokens.body['id_token']), jwks, { issuer: svc.config.ISSUER, audience: 'spa' });
      const before = rp.logoutTokens.length;
      await end(tokens.body, web);
      await until(async () => rp.logoutTokens.slice(before), (l) => l.length > 0, 10_000);
      const { payload, protectedHeader } = await jwtVerify(rp.logoutTokens[before] ?? '', jwks, { issuer: svc.config.ISSUER, audience: 'spa', typ: 'logout+jwt', algorithms: ['RS256'] });
      expect({ how, sid: payload['sid'], sub: payload.sub, nonce: payload['nonce'] }).toEqual({ how, sid: id['sid'], sub: id.sub, nonce: undefined });
      expect(protectedHeader.typ).toBe('logout+jwt');
      expect(payload['events']).toEqual({ 'http://schemas.openid.net/event/backchannel-logout': {} });
      expect(typeof payload.jti).toBe('string');
    }
  });

  it('back-channel deliveries that fail are retried with backoff, and audited', async () => {
    rp.backchannelStatus = 503;
    const { code, verifier } = await signIn('spa');
    const tokens = await exchange('spa', code, verifier);
    const before = rp.logoutTokens.length;
    await fetch(`${svc.url}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${String(tokens.body['access_token'])}` } });
    const ds = svc.app.get(DataSource);
    await until(() => ds.query(`SELECT count(*)::int AS n FROM audit_log WHERE event = 'backchannel_logout_failed'`), (r: { n: number }[]) => (r[0]?.n ?? 0) > 0, 10_000);
    rp.backchannelStatus = 200;
    await until(async () => rp.logoutTokens.length, (len) => len > before, 15_000);
    // The row is marked delivered (and audited) after the RP has answered: wait for those writes too.
    type Row = { attempts: number; delivered: boolean; audited: number };
    const rows = await until(
      (): Promise<Row[]> =>
        ds.query(`SELECT attempts, delivered_at IS NOT NULL AS delivered,
                         (SELECT count(*)::int FROM audit_log WHERE event = 'backchannel_logout_delivered') AS audited
                    FROM logout_deliveries ORDER BY id DESC LIMIT 1`),
      (r) => r[0]?.delivered === true && r[0].audited > 0,
      10_000,
    );
    expect(rows[0]?.attempts).toBeGreaterThanOrEqual(2);
  });

  it('back-channel logout: a lost listening connection is opened again, and deliveries go on', async () => {
    const ds = svc.app.get(DataSource);
    type Backend = { pid: number; query: string };
    const listeners = (): Promise<Backend[]> => ds.query(`SELECT pid, query FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`, [LOGOUT_LISTENER_APPLICATION_NAME]);
    const listening = (r: Backend[]) => r.length === 1 && (r[0]?.query ?? '').startsWith('LISTEN');
    const [old] = await until(listeners, listening, 10_000);
    await ds.query('SELECT pg_terminate_backend($1)', [old?.pid]);
    // Opened again after its first backoff step (1 s), and listening.
    const [fresh] = await until(listeners, (r) => listening(r) && r[0]?.pid !== old?.pid, 10_000);
    expect(fresh?.pid).not.toBe(old?.pid);
    const { code, verifier } = await signIn('spa');
    const tokens = await exchange('spa', code, verifier);
    const before = rp.logoutTokens.length;
    await fetch(`${svc.url}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${String(tokens.body['access_token'])}` } });
    await until(async () => rp.logoutTokens.length, (len) => len > before, 10_000);
  });

  it('signing in again for another app (prompt=login) keeps the apps signed in through the old browser session', async () => {
    const first = await signIn('spa', { scope: 'openid offline_access orders:read' });
    const tokens = await exchange('spa', first.code, first.verifier);
    const { payload: id } = await jwtVerify(String(tokens.body['id_token']), jwks, { issuer: svc.config.ISSUER, audience: 'spa' });
    const sidOf = (t: string) => JSON.parse(Buffer.from(t.split('.')[1] ?? '', 'base64url').toString('utf8'))['sid'] as unknown;
    const { verifier, challenge } = pkce();
    const again = await first.web.authorize(authorizePath('other', rp.callbackUri, challenge, { prompt: 'login' }), first.email, PASSWORD);
    expect(again.steps).toEqual(['login']);
    expect((await exchange('other', again.location.searchParams.get('code') ?? '', verifier)).status).toBe(200);
    const refreshed = await postForm(`${svc.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: String(tokens.body['refresh_token']), client_id: 'spa' });
    // The spa session is still alive: its refresh token rotates.
    expect(refreshed.status).toBe(200);
    // … and they still end with the browser session that now holds them.
    const csrf = /name="csrf" value="([^"]+)"/.exec((await first.web.get('/logout')).body)?.[1] ?? '';
    await first.web.post('/logout', { csrf });
    await until(async () => rp.logoutTokens.map(sidOf), (sids) => sids.includes(id['sid']), 10_000);
    const dead = await postForm(`${svc.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: String(refreshed.body['refresh_token']), client_id: 'spa' });
    expect(dead.body['error']).toBe('invalid_grant');
  });
});
