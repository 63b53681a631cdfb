import { GatehouseError } from '@gatehouse/contracts';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeAuthServer } from '../test/fake-auth-server';
import { ServiceTokenClient } from './service-token-client';
import { ServiceTokenRejectedError, ServiceTokenUnavailableError } from './service-token-errors';
import { basicAuthorization } from './token-endpoint';

// Characters that break naive Basic encoding: ':' splits id from secret, '%' and '+' are form escapes.
const CLIENT_ID = 'svc:orders%41+1';
const SECRET = 'S3cr:et%25 +/=ü';

describe('token endpoint requests', () => {
  const server = new FakeAuthServer(CLIENT_ID, SECRET);
  const client = (clientSecret = SECRET, timeoutMs = 5000, tokenUrl = server.tokenUrl): ServiceTokenClient =>
    new ServiceTokenClient({ tokenUrl, clientId: CLIENT_ID, clientSecret, timeoutMs });
  // Every error is checked: the secret (plain, encoded or inside the Basic header) never reaches it.
  const forbidden = [SECRET, encodeURIComponent(SECRET), basicAuthorization(CLIENT_ID, SECRET).slice('Basic '.length)];
  const failure = async (promise: Promise<unknown>): Promise<Error> => {
    const err = await promise.then(
      () => new Error('expected a rejection'),
      (e: Error) => e,
    );
    for (const text of [err.message, String(err), JSON.stringify(err)]) {
      for (const f of forbidden) expect(text).not.toContain(f);
    }
    return err;
  };

  beforeAll(() => server.start());
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  it('encodes id and secret per RFC 6749 §2.3.1 before Basic', async () => {
    expect(basicAuthorization('a:b', 'c%d e')).toBe(`Basic ${Buffer.from('a%3Ab:c%25d%20e').toString('base64')}`);
    await expect(client().getToken('inventory', 'inventory:reserve')).resolves.toMatch(/^tok-/);
    expect(server.tokenRequests).toEqual([
      { clientId: CLIENT_ID, clientSecret: SECRET, audience: 'inventory', scope: 'inventory:reserve' },
    ]);
  });

  it('maps 4xx to SERVICE_TOKEN_REJECTED with the RFC 6749 error and description', async () => {
    const err = await failure(client('wrong-secret').getToken('inventory'));
    expect(err).toBeInstanceOf(ServiceTokenRejectedError);
    expect(err).toMatchObject({ code: 'SERVICE_TOKEN_REJECTED', upstreamStatus: 401, error: 'invalid_client', status: 502 });
    expect(err).toBeInstanceOf(GatehouseError);
    expect(err.message).toContain('invalid_client: Client authentication failed.');

    server.mode = { kind: 'status', status: 400, body: '{"error":"invalid_scope","error_description":"Scope not allowed."}' };
    const scoped = await failure(client().getToken('inventory', 'admin'));
    expect(scoped).toMatchObject({ code: 'SERVICE_TOKEN_REJECTED', upstreamStatus: 400, error: 'invalid_scope', description: 'Scope not allowed.' });
  });

  it('keeps a 4xx without an RFC 6749 body a rejection', async () => {
    server.mode = { kind: 'status', status: 403, body: '<html>nope</html>' };
    const err = await failure(client().getToken('inventory'));
    expect(err).toMatchObject({ code: 'SERVICE_TOKEN_REJECTED', upstreamStatus: 403, error: undefined });
  });

  it('redacts a description that echoes the secret', async () => {
    server.mode = { kind: 'status', status: 400, body: JSON.stringify({ error: 'invalid_request', error_description: `bad ${SECRET}` }) };
    const err = await failure(client().getToken('inventory'));
    expect(err).toMatchObject({ code: 'SERVICE_TOKEN_REJECTED', description: '[redacted]' });
  });

  it('maps 5xx to SERVICE_TOKEN_UNAVAILABLE', async () => {
    server.mode = { kind: 'status', status: 502, body: 'bad gateway' };
    const err = await failure(client().getToken('inventory'));
    expect(err).toBeInstanceOf(ServiceTokenUnavailableError);
    expect(err).toMatchObject({ code: 'SERVICE_TOKEN_UNAVAILABLE', upstreamStatus: 502 });
    // A GatehouseError like the rest: a service's error filter answers 503 with this code.
    expect(err).toBeInstanceOf(GatehouseError);
    expect(err).toMatchObject({ status: 503 });
  });

  it('maps a timeout to SERVICE_TOKEN_UNAVAILABLE', async () => {
    server.mode = { kind: 'hang' };
    const err = await failure(client(SECRET, 50).getToken('inventory'));
    expect(err).toMatchObject({ code: 'SERVICE_TOKEN_UNAVAILABLE' });
    expect(err.message).toContain('timed out after 50 ms');
  });

  it('maps a refused connection to SERVICE_TOKEN_UNAVAILABLE', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const err = await failure(client(SECRET, 5000, `http://127.0.0.1:${port}/oauth/token`).getToken('inventory'));
    expect(err).toMatchObject({ code: 'SERVICE_TOKEN_UNAVAILABLE' });
  });

  it('does not follow redirects (they would carry the credentials elsewhere)', async () => {
    server.mode = { kind: 'status', status: 307, body: '' };
    const err = await failure(client().getToken('inventory'));
    expect(err).toMatchObject({ code: 'SERVICE_TOKEN_UNAVAILABLE', upstreamStatus: 307 });
  });

  it.each([
    ['not JSON', 'access_token=x'],
    ['a JSON array', '[]'],
    ['no access_token', '{"token_type":"Bearer","expires_in":300}'],
    ['a non-Bearer token_type', '{"access_token":"t","token_type":"mac","expires_in":300}'],
    ['a string expires_in', '{"access_token":"t","token_type":"Bearer","expires_in":"300"}'],
    ['a zero expires_in', '{"access_token":"t","token_type":"Bearer","expires_in":0}'],
  ])('maps a malformed 200 (%s) to SERVICE_TOKEN_UNAVAILABLE', async (_name, body) => {
    server.mode = { kind: 'status', status: 200, body };
    const err = await failure(client().getToken('inventory'));
    expect(err).toMatchObject({ code: 'SERVICE_TOKEN_UNAVAILABLE', upstreamStatus: 200 });
    expect(err.message).not.toContain(body);
  });
});
