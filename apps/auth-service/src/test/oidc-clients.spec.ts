import { UsersService } from '../app/users/users.service';
import { authorizePath, CodeFlowBrowser, pkce, startRelyingParty, type TestRelyingParty } from './oidc-helpers';
import { basic, postForm, postJson, startAuthService, type TestAuthService } from './test-auth-app';

/** Client registration with RFC 7591 metadata through the admin API, its rules, and consent withdrawal. */
describe('redirect-flow clients', () => {
  jest.setTimeout(30_000);
  let svc: TestAuthService;
  let rp: TestRelyingParty;
  let admin: string;

  beforeAll(async () => {
    svc = await startAuthService('oidc_clients', { BACKCHANNEL_LOGOUT: 'false' });
    rp = await startRelyingParty();
    await svc.app.get(UsersService).register('root@example.com', 'admin-password-1', true);
    const login = await postJson(`${svc.url}/auth/login`, { email: 'root@example.com', password: 'admin-password-1' });
    admin = `Bearer ${String(login.body['access_token'])}`;
  });
  afterAll(async () => {
    await rp?.close();
    await svc?.dispose();
  });

  const register = (body: Record<string, unknown>) => postJson(`${svc.url}/admin/clients`, body, { authorization: admin });

  it('registers a public SPA and a confidential app from RFC 7591 metadata', async () => {
    const spa = await register({ client_id: 'admin-spa', client_name: 'Admin SPA', token_endpoint_auth_method: 'none', redirect_uris: [rp.callbackUri, 'https://spa.example.com/cb'], scope: 'openid email', audiences: ['orders'] });
    expect(spa.status).toBe(201);
    expect(spa.body).toMatchObject({ client_id: 'admin-spa', client_name: 'Admin SPA', token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], scope: 'openid email', first_party: false });
    expect(spa.body['client_secret']).toBeUndefined();
    const web = await register({ client_id: 'admin-web', redirect_uris: ['https://web.example.com/cb'], backchannel_logout_uri: 'https://web.example.com/bc', post_logout_redirect_uris: ['https://web.example.com/'], grant_types: ['authorization_code'], scope: 'openid', first_party: true });
    expect(web.status).toBe(201);
    expect(String(web.body['client_secret'])).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const listed = await fetch(`${svc.url}/admin/clients`, { headers: { authorization: admin } });
    const clients = ((await listed.json()) as { clients: Record<string, unknown>[] }).clients;
    expect(clients.find((c) => c['client_id'] === 'admin-web')).toMatchObject({ backchannel_logout_uri: 'https://web.example.com/bc', grant_types: ['authorization_code'] });
    expect(JSON.stringify(clients)).not.toMatch(/secret_hash|secretHash/);
  });

  it('refuses redirect URIs that are not https or loopback, wildcards, fragments and impossible combinations', async () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ redirect_uris: ['http://app.example.com/cb'] }, 'redirect_uris'],
      [{ redirect_uris: ['http://localhost:8080/cb'] }, 'redirect_uris'],
      [{ redirect_uris: ['https://*.example.com/cb'] }, 'redirect_uris'],
      [{ redirect_uris: ['https://app.example.com/cb#frag'] }, 'redirect_uris'],
      [{ redirect_uris: ['https://user:pw@app.example.com/cb'] }, 'redirect_uris'],
      [{ redirect_uris: ['app.example.com/cb'] }, 'redirect_uris'],
      [{ redirect_uris: [], grant_types: ['authorization_code'] }, 'redirect_uris'],
      [{ redirect_uris: ['https://a.example/cb'], post_logout_redirect_uris: ['ftp://a.example/'] }, 'post_logout_redirect_uris'],
      [{ redirect_uris: ['https://a.example/cb'], backchannel_logout_uri: 'http://a.example/bc' }, 'backchannel_logout_uri'],
      [{ token_endpoint_auth_method: 'none', grant_types: ['client_credentials'], audiences: ['orders'] }, 'grant_types'],
      [{ grant_types: ['client_credentials'], audiences: ['orders'], scope: 'openid' }, 'scope'],
      [{ grant_types: ['refresh_token'] }, 'grant_types'],
      [{ audiences: ['billing'], grant_types: ['client_credentials'] }, 'audiences'],
      [{ token_endpoint_auth_method: 'private_key_jwt', redirect_uris: ['https://a.example/cb'] }, 'token_endpoint_auth_method'],
      [{ redirect_uris: 'https://a.example/cb' }, 'redirect_uris'],
      [{ unknown_field: true, redirect_uris: ['https://a.example/cb'] }, '(body)'],
    ];
    for (const [body, path] of bad) {
      const res = await register({ client_id: 'rejected-app', ...body });
      expect({ body, status: res.status, code: res.body['code'] }).toEqual({ body, status: 400, code: 'REQUEST_INVALID' });
      expect(JSON.stringify(res.body['issues'])).toContain(path);
    }
  });

  it('PUT replaces metadata; a public client cannot become confidential; an unknown client is 404', async () => {
    await register({ client_id: 'editable', token_endpoint_auth_method: 'none', redirect_uris: ['https://e.example/cb'], scope: 'openid' });
    const put = await fetch(`${svc.url}/admin/clients/editable`, { method: 'PUT', headers: { authorization: admin, 'content-type': 'application/json' }, body: JSON.stringify({ client_name: 'Edited', token_endpoint_auth_method: 'none', redirect_uris: ['https://e.example/cb2'], scope: 'openid email' }) });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ client_name: 'Edited', redirect_uris: ['https://e.example/cb2'], scope: 'openid email' });
    const flip = await fetch(`${svc.url}/admin/clients/editable`, { method: 'PUT', headers: { authorization: admin, 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: ['https://e.example/cb2'] }) });
    expect(flip.status).toBe(400);
    const missing = await fetch(`${svc.url}/admin/clients/nope-nope`, { method: 'PUT', headers: { authorization: admin, 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: ['https://e.example/cb'] }) });
    expect(missing.status).toBe(404);
  });

  it('a client registered only for the code flow gets unauthorized_client for client_credentials', async () => {
    const res = await register({ client_id: 'code-only', redirect_uris: ['https://c.example/cb'], scope: 'openid', audiences: ['orders'] });
    const cc = await postForm(`${svc.url}/oauth/token`, { grant_type: 'client_credentials' }, { authorization: basic('code-only', String(res.body['client_secret'])) });
    expect(cc.body['error']).toBe('unauthorized_client');
  });

  it('withdrawing consent on /account ends the app session and makes it ask again', async () => {
    await register({ client_id: 'consent-app', client_name: 'Consent App', token_endpoint_auth_method: 'none', redirect_uris: [rp.callbackUri], scope: 'openid offline_access orders:read', audiences: ['orders'] });
    await svc.app.get(UsersService).register('consenter@example.com', 'consent-password-1');
    const web = new CodeFlowBrowser(svc.url);
    const { verifier, challenge } = pkce();
    const { location } = await web.authorize(authorizePath('consent-app', rp.callbackUri, challenge, { scope: 'openid offline_access orders:read' }), 'consenter@example.com', 'consent-password-1');
    const tokens = await postForm(`${svc.url}/oauth/token`, { grant_type: 'authorization_code', code: location.searchParams.get('code') ?? '', redirect_uri: rp.callbackUri, code_verifier: verifier, client_id: 'consent-app' });
    expect(tokens.status).toBe(200);
    const account = await web.get('/account');
    expect(account.body).toContain('Consent App');
    const csrf = /name="csrf" value="([^"]+)"/.exec(account.body)?.[1] ?? '';
    const removed = await web.post('/account/apps/consent-app/revoke', { csrf });
    expect(removed.res.headers.get('location')).toBe('/account?notice=app-removed');
    const refresh = await postForm(`${svc.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: String(tokens.body['refresh_token']), client_id: 'consent-app' });
    expect(refresh.body['error']).toBe('invalid_grant');
    const again = await web.get(authorizePath('consent-app', rp.callbackUri, challenge, { prompt: 'none', scope: 'openid orders:read' }));
    expect(new URL(again.res.headers.get('location') ?? '').searchParams.get('error')).toBe('consent_required');
    expect((await web.post('/account/apps/consent-app/revoke', { csrf })).res.status).toBe(404);
  });
});
