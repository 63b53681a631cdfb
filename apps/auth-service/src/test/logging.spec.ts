import { ClientsService } from '../app/clients/clients.service';
import { basic, postForm, postJson, startAuthService, type TestAuthService } from './test-auth-app';

describe('logs', () => {
  let svc: TestAuthService;
  const lines: string[] = [];
  beforeAll(async () => {
    svc = await startAuthService('logs', { LOG_LEVEL: 'debug' }, undefined, (l) => lines.push(l));
  });
  afterAll(() => svc.dispose());

  it('are JSON with a request id and never contain passwords, tokens or secrets', async () => {
    const password = 'very-secret-password-123';
    await postJson(`${svc.url}/auth/register`, { email: 'log@example.com', password });
    const login = await postJson(`${svc.url}/auth/login`, { email: 'log@example.com', password }, { 'x-request-id': 'trace-me-1' });
    await postJson(`${svc.url}/auth/login`, { email: 'log@example.com', password: password + 'x' });
    const clientSecret = (await svc.app.get(ClientsService).register({ id: 'log-client', audiences: ['orders'], scopes: [] })).clientSecret ?? '';
    const cc = await postForm(`${svc.url}/oauth/token`, { grant_type: 'client_credentials' }, { authorization: basic('log-client', clientSecret) });
    await postForm(`${svc.url}/oauth/token`, { grant_type: 'client_credentials', client_id: 'log-client', client_secret: 'wrong-' + clientSecret });

    expect(lines.length).toBeGreaterThan(3);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.some((l) => l['reqId'] === 'trace-me-1' && l['status'] === 200)).toBe(true);
    const all = lines.join('\n');
    for (const secret of [password, String(login.body['access_token']), String(cc.body['access_token']), clientSecret]) {
      expect(all).not.toContain(secret);
    }
    // No Authorization header and no Basic credentials (route names such as
    // /.well-known/oauth-authorization-server are fine).
    expect(all).not.toMatch(/"authorization"|Basic [A-Za-z0-9+/=]{8,}/i);
  });
});
