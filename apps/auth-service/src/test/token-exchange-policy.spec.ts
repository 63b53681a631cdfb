import { UsersService } from '../app/users/users.service';
import { basic, postForm, postJson, startAuthService, type TestAuthService } from './test-auth-app';
import { csrfIn, WebClient } from './web-helpers';

const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS = 'urn:ietf:params:oauth:token-type:access_token';

/**
 * The token-exchange policy is client metadata like any other: set and replaced through the admin
 * API and the dashboard's client form, shown by both, and a change applies to the very next exchange.
 */
describe('token-exchange policy as client metadata', () => {
  jest.setTimeout(30_000);
  let svc: TestAuthService;
  let admin: string;
  let userToken: string;

  beforeAll(async () => {
    svc = await startAuthService('exchange_policy', { BACKCHANNEL_LOGOUT: 'false' });
    const users = svc.app.get(UsersService);
    await users.register('root@example.com', 'admin-password-1', true);
    await users.register('shopper@example.com', 'shopper-password-1', false);
    admin = `Bearer ${String((await postJson(`${svc.url}/auth/login`, { email: 'root@example.com', password: 'admin-password-1' })).body['access_token'])}`;
    userToken = String((await postJson(`${svc.url}/auth/login`, { email: 'shopper@example.com', password: 'shopper-password-1' })).body['access_token']);
  });
  afterAll(() => svc?.dispose());

  const put = (id: string, body: unknown) => fetch(`${svc.url}/admin/clients/${id}`, { method: 'PUT', headers: { authorization: admin, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const exchange = (id: string, secret: string) => postForm(`${svc.url}/oauth/token`, { grant_type: EXCHANGE, subject_token: userToken, subject_token_type: ACCESS, audience: 'inventory' }, { authorization: basic(id, secret) });

  it('admin API: register with a policy, read it back, replace it, remove it — each change applies at once', async () => {
    const policy = { subject_audience: 'orders', targets: [{ audience: 'inventory', scope: 'inventory:reserve', subject_scope: 'orders:write' }] };
    const created = await postJson(`${svc.url}/admin/clients`, { client_id: 'api-exchanger', audiences: ['inventory'], scope: 'inventory:reserve', token_exchange: policy }, { authorization: admin });
    expect(created.status).toBe(201);
    expect(created.body['token_exchange']).toEqual(policy);
    const secret = String(created.body['client_secret']);
    expect((await exchange('api-exchanger', secret)).status).toBe(200);

    const listed = (await (await fetch(`${svc.url}/admin/clients`, { headers: { authorization: admin } })).json()) as { clients: Record<string, unknown>[] };
    expect(listed.clients.find((c) => c['client_id'] === 'api-exchanger')?.['token_exchange']).toEqual(policy);

    const stricter = { subject_audience: 'orders', targets: [{ audience: 'inventory', scope: 'inventory:reserve', subject_scope: 'orders:admin' }] };
    const replaced = await put('api-exchanger', { audiences: ['inventory'], scope: 'inventory:reserve', token_exchange: stricter });
    expect(replaced.status).toBe(200);
    expect((await exchange('api-exchanger', secret)).body['error']).toBe('invalid_scope');

    // PUT replaces the whole document: without token_exchange, the client has no policy.
    expect((await put('api-exchanger', { audiences: ['inventory'], scope: 'inventory:reserve' })).status).toBe(200);
    expect((await exchange('api-exchanger', secret)).body['error']).toBe('unauthorized_client');
  });

  it('admin API refuses a bad policy with REQUEST_INVALID naming the field', async () => {
    const bad = await postJson(`${svc.url}/admin/clients`, { client_id: 'bad-exchanger', audiences: ['inventory'], token_exchange: { subject_audience: 'nowhere', targets: [{ audience: 'orders', scope: '' }] } }, { authorization: admin });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('token_exchange.subject_audience');
    const shape = await postJson(`${svc.url}/admin/clients`, { client_id: 'bad-exchanger', token_exchange: { subject_audience: 'orders', targets: [] } }, { authorization: admin });
    expect(shape.status).toBe(400);
  });

  it('dashboard: the client form sets and edits the policy and shows it', async () => {
    const web = new WebClient(svc.url);
    const csrf = await web.login('root@example.com', 'admin-password-1');
    const created = await web.post('/admin/actions/clients', {
      csrf,
      id: 'form-exchanger',
      kind: 'service',
      audiences: ['inventory'],
      scopes: 'inventory:reserve',
      exchange_subject_audience: 'orders',
      exchange_targets: 'inventory=inventory:reserve requires orders:write',
    });
    expect(created.res.status).toBe(201);
    const secret = /id="created-secret" type="text" readonly value="([A-Za-z0-9_-]{43})"/.exec(created.body)?.[1] ?? '';
    expect((await exchange('form-exchanger', secret)).status).toBe(200);

    const page = await web.get('/admin/clients/form-exchanger');
    expect(page.body).toContain('inventory=inventory:reserve requires orders:write');
    expect(page.body).toMatch(/<option value="orders" selected>/);

    const invalid = await web.post('/admin/actions/clients/form-exchanger', { csrf: csrfIn(page.body), kind: 'service', audiences: ['inventory'], scopes: 'inventory:reserve', exchange_subject_audience: 'orders', exchange_targets: 'not a rule' });
    expect(invalid.res.status).toBe(400);
    expect(invalid.body).toContain('token_exchange.targets.0');

    const cleared = await web.post('/admin/actions/clients/form-exchanger', { csrf: csrfIn(page.body), kind: 'service', audiences: ['inventory'], scopes: 'inventory:reserve', exchange_subject_audience: '', exchange_targets: '' });
    expect(cleared.res.headers.get('location')).toBe('/admin?notice=client-updated');
    expect((await exchange('form-exchanger', secret)).body['error']).toBe('unauthorized_client');
  });

  it('discovery advertises the grant', async () => {
    const meta = (await (await fetch(`${svc.url}/.well-known/openid-configuration`)).json()) as { grant_types_supported: string[] };
    expect(meta.grant_types_supported).toContain(EXCHANGE);
  });
});
