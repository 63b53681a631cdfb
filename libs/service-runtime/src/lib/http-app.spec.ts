import { InvalidCredentialsError, OAuthError, RateLimitedError, RequestInvalidError } from '@gatehouse/contracts';
import { Controller, Get, Module, Post } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from './http-app';
import { createLogger } from './logger';
import { RuntimeModule } from './runtime.module';

@Controller()
class ThrowingController {
  @Get('invalid') invalid(): never {
    throw new RequestInvalidError('Bad.', [{ path: 'x', message: 'required' }]);
  }
  @Get('creds') creds(): never {
    throw new InvalidCredentialsError();
  }
  @Get('limited') limited(): never {
    throw new RateLimitedError(42);
  }
  @Get('boom') boom(): never {
    throw new Error('database password is hunter2');
  }
  @Post('oauth/x') oauth(): never {
    throw new OAuthError('invalid_grant', 'Expired.');
  }
  @Post('echo') echo(): { ok: true } {
    return { ok: true };
  }
}

describe('createHttpApp error mapping', () => {
  let app: NestFastifyApplication;
  let url: string;
  const lines: string[] = [];
  let ready = true;

  beforeAll(async () => {
    const logger = createLogger('test', 'info', { write: (l: string) => lines.push(l) });
    @Module({
      imports: [RuntimeModule.forRoot({ service: 'test', logger, readiness: { useFactory: () => ({ check: async () => ({ thing: ready }) }) } })],
      controllers: [ThrowingController],
    })
    class TestModule {}
    app = await createHttpApp(TestModule, { logger, bodyLimitBytes: 1024, trustProxy: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = await app.getUrl();
  });
  afterAll(() => app.close());

  const get = async (path: string) => {
    const res = await fetch(url + path);
    return { res, body: (await res.json()) as Record<string, unknown> };
  };

  it('keeps domain codes, messages and issues', async () => {
    const { res, body } = await get('/invalid');
    expect(res.status).toBe(400);
    expect(body).toEqual({ code: 'REQUEST_INVALID', message: 'Bad.', requestId: res.headers.get('x-request-id'), issues: [{ path: 'x', message: 'required' }] });
    expect((await get('/creds')).body['code']).toBe('AUTH_INVALID_CREDENTIALS');
  });

  it('sets Retry-After on 429', async () => {
    const { res, body } = await get('/limited');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('42');
    expect(body['code']).toBe('AUTH_RATE_LIMITED');
  });

  it('hides unknown errors behind a fixed 500 and logs them at error', async () => {
    const { res, body } = await get('/boom');
    expect(res.status).toBe(500);
    expect(body).toEqual({ code: 'INTERNAL', message: 'Internal error.', requestId: expect.any(String) });
    const errorLines = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['level'] === 'error');
    expect(errorLines.some((l) => l['reqId'] === body['requestId'])).toBe(true);
  });

  it('renders OAuth errors as RFC 6749 bodies', async () => {
    const res = await fetch(url + '/oauth/x', { method: 'POST' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_grant', error_description: 'Expired.' });
  });

  it('maps body-parser failures: 400, 413, 415', async () => {
    const post = (body: string, type: string) => fetch(url + '/echo', { method: 'POST', headers: { 'content-type': type }, body });
    expect((await post('{', 'application/json')).status).toBe(400);
    expect((await post(JSON.stringify({ a: 'x'.repeat(2000) }), 'application/json')).status).toBe(413);
    expect((await post('x', 'text/plain')).status).toBe(415);
    expect((await post('{}', 'application/json')).status).toBe(201);
  });

  it('reports readiness from the probe', async () => {
    expect((await fetch(url + '/health/ready')).status).toBe(200);
    ready = false;
    const res = await fetch(url + '/health/ready');
    expect(res.status).toBe(503);
    expect((await res.json()) as Record<string, unknown>).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    ready = true;
  });
});
