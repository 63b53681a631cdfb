import { Counter, Registry } from 'prom-client';
import express from 'express';
import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { VerifierOptions } from '../index';
import { actorsOf, gatehouseAuth as expressAuth, principalOf, requireDelegation, requireFactor, requireScopes } from '../express';
import { actorsOf as fastifyActors, gatehouseAuth as fastifyAuth } from '../fastify';
import { startVerifierApp } from './verifier-app';

/**
 * One of the three adapters serving the same probe routes: /open (public), /me, /read (orders:read),
 * /write (orders:write), /delegated (orders-service acting for a user), /direct (no delegation),
 * /step-up (a second factor), /hardware (orders:write and amr hwk).
 */
export interface AdapterApp {
  name: 'nest' | 'express' | 'fastify';
  url: string;
  /** `auth_verify_rejections_total` by reason, as the adapter's app counts it. */
  rejections(reason: string): Promise<number>;
  waitUntilCaughtUp(ms: number): Promise<boolean>;
  close(): Promise<void>;
}

function counter(): { registry: Registry; rejections: Counter<'reason'> } {
  const registry = new Registry();
  return { registry, rejections: new Counter({ name: 'auth_verify_rejections_total', help: 'Bearer tokens refused, by reason', labelNames: ['reason'], registers: [registry] }) };
}

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

const countOf = async (registry: Registry, reason: string): Promise<number> => (await registry.getSingleMetric('auth_verify_rejections_total')?.get())?.values.find((v) => v.labels['reason'] === reason)?.value ?? 0;

async function startExpress(options: VerifierOptions): Promise<AdapterApp> {
  const { registry, rejections } = counter();
  const auth = expressAuth({ logger: quiet, ...options, rejections });
  const app = express();
  app.get('/open', (_req, res) => void res.json({ ok: true }));
  app.use(auth);
  app.get('/me', (req, res) => void res.json({ sub: principalOf(req).sub }));
  app.get('/read', requireScopes('orders:read'), (req, res) => void res.json({ sub: principalOf(req).sub }));
  app.get('/write', requireScopes('orders:write'), (_req, res) => void res.json({ ok: true }));
  app.get('/delegated', requireDelegation({ require: true, actors: ['orders-service'] }), (req, res) => void res.json({ sub: principalOf(req).sub, actors: actorsOf(principalOf(req)) }));
  app.get('/direct', requireDelegation({ forbid: true }), (_req, res) => void res.json({ ok: true }));
  app.get('/step-up', requireFactor(), (req, res) => void res.json({ sub: principalOf(req).sub }));
  app.get('/hardware', requireScopes('orders:write'), requireFactor('hwk'), (_req, res) => void res.json({ ok: true }));
  await auth.start();
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    name: 'express',
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    rejections: (reason) => countOf(registry, reason),
    waitUntilCaughtUp: (ms) => auth.verifier.revocations.waitUntilCaughtUp(ms),
    close: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await auth.stop();
    },
  };
}

async function startFastify(options: VerifierOptions): Promise<AdapterApp> {
  const { registry, rejections } = counter();
  const app = Fastify();
  await app.register(fastifyAuth, { logger: quiet, ...options, rejections });
  app.get('/open', { config: { public: true } }, () => ({ ok: true }));
  app.get('/me', (req) => ({ sub: req.principal?.sub }));
  app.get('/read', { config: { scopes: ['orders:read'] } }, (req) => ({ sub: req.principal?.sub }));
  app.get('/write', { config: { scopes: ['orders:write'] } }, () => ({ ok: true }));
  app.get('/delegated', { config: { delegation: { require: true, actors: ['orders-service'] } } }, (req) => ({ sub: req.principal?.sub, actors: req.principal ? fastifyActors(req.principal) : [] }));
  app.get('/direct', { config: { delegation: { forbid: true } } }, () => ({ ok: true }));
  app.get('/step-up', { config: { factor: true } }, (req) => ({ sub: req.principal?.sub }));
  app.get('/hardware', { config: { scopes: ['orders:write'], factor: ['hwk'] } }, () => ({ ok: true }));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    name: 'fastify',
    url,
    rejections: (reason) => countOf(registry, reason),
    waitUntilCaughtUp: (ms) => app.gatehouse.revocations.waitUntilCaughtUp(ms),
    close: () => app.close(),
  };
}

async function startNest(options: VerifierOptions): Promise<AdapterApp> {
  const v = await startVerifierApp(options);
  return {
    name: 'nest',
    url: v.url,
    rejections: async (reason) => {
      const text = await (await fetch(`${v.url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith('auth_verify_rejections_total{') && l.includes(`reason="${reason}"`));
      return line ? Number(line.split(' ').pop()) : 0;
    },
    waitUntilCaughtUp: (ms) => v.store.waitUntilCaughtUp(ms),
    close: () => v.app.close(),
  };
}

/** Starts the probe app on `adapter` with `options`. */
export function startAdapterApp(adapter: AdapterApp['name'], options: VerifierOptions): Promise<AdapterApp> {
  switch (adapter) {
    case 'nest':
      return startNest(options);
    case 'express':
      return startExpress(options);
    case 'fastify':
      return startFastify(options);
  }
}
