// A fresh Fastify 5 service outside the repository, protected by the installed tarball (loaded by import).
import Fastify from 'fastify';
import { gatehouseAuth } from '@gatehouse/auth-verify/fastify';

const app = Fastify();
await app.register(gatehouseAuth, { issuer: process.env.ISSUER, audience: 'orders', jwksUri: process.env.JWKS_URI, natsUrl: process.env.NATS_URL, natsCredentials: { user: process.env.NATS_USER, password: process.env.NATS_PASSWORD } });
app.get('/health/ready', { config: { public: true } }, (_req, reply) => {
  const r = app.gatehouse.readiness();
  return reply.code(r.jwks && r.revocations ? 200 : 503).send(r);
});
app.get('/orders', { config: { scopes: ['orders:read'] } }, (req) => ({ sub: req.principal.sub }));
app.get('/step-up', { config: { factor: true } }, (req) => ({ sub: req.principal.sub }));
await app.listen({ port: Number(process.env.PORT), host: process.env.HOST });
process.once('SIGTERM', () => app.close().then(() => process.exit(0)));
