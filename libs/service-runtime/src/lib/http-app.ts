import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { Metrics } from './metrics';
import { PinoNestLogger } from './logger';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id';

/** Options of {@link createHttpApp}. */
export interface HttpAppOptions {
  logger: Logger;
  bodyLimitBytes: number;
  trustProxy: boolean;
  /** Serve HTTPS with these PEM files (HSTS is then sent). */
  tls?: { certFile: string; keyFile: string };
}

/**
 * Builds a Nest application on Fastify with request ids, JSON access logs (4xx info, 5xx error),
 * request metrics, baseline security headers and graceful shutdown. Call `listen` yourself.
 *
 * @example const app = await createHttpApp(AppModule.forRoot(cfg), { logger, bodyLimitBytes: 16384, trustProxy: false });
 */
export async function createHttpApp(module: Type<unknown> | DynamicModule, options: HttpAppOptions): Promise<NestFastifyApplication> {
  const https = options.tls
    ? { key: readFileSync(options.tls.keyFile), cert: readFileSync(options.tls.certFile) }
    : undefined;
  const adapter = new FastifyAdapter({
    logger: false,
    bodyLimit: options.bodyLimitBytes,
    trustProxy: options.trustProxy,
    genReqId: (req: IncomingMessage) => requestIdFrom(req.headers[REQUEST_ID_HEADER]),
    routerOptions: { maxParamLength: 200 },
    ...(https ? { https } : {}),
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    logger: new PinoNestLogger(options.logger),
    abortOnError: false,
  });
  installHooks(app, options.logger, Boolean(https));
  app.enableShutdownHooks();
  return app;
}

function installHooks(app: NestFastifyApplication, log: Logger, tls: boolean): void {
  const metrics = app.get(Metrics);
  const fastify = app.getHttpAdapter().getInstance();
  // Only JSON and form bodies are accepted; anything else is a 415, not a string handed to a handler.
  fastify.removeContentTypeParser('text/plain');
  fastify.addHook('onSend', async (req, reply, payload) => {
    void reply.header(REQUEST_ID_HEADER, String(req.id));
    void reply.header('x-content-type-options', 'nosniff');
    if (tls) void reply.header('strict-transport-security', 'max-age=63072000; includeSubDomains');
    return payload;
  });
  fastify.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    const ms = reply.elapsedTime;
    metrics.httpDuration.observe({ method: req.method, route, status: String(status) }, ms / 1000);
    const line = { reqId: String(req.id), method: req.method, route, status, ms: Math.round(ms * 10) / 10 };
    if (status >= 500) log.error(line, 'request');
    else if (status >= 400) log.info(line, 'request');
    else log.debug(line, 'request');
  });
}

/** Closes the app, tolerating a second call. */
export async function closeApp(app: INestApplication | undefined): Promise<void> {
  if (app) await app.close();
}
