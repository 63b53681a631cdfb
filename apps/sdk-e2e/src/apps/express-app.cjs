'use strict';
// A fresh Express 5 service outside the repository, protected by the installed tarball (loaded by require).
const express = require('express');
const { gatehouseAuth, requireFactor, requireScopes, principalOf } = require('@gatehouse/auth-verify/express');

const auth = gatehouseAuth({ issuer: process.env.ISSUER, audience: 'orders', jwksUri: process.env.JWKS_URI, natsUrl: process.env.NATS_URL, natsCredentials: { user: process.env.NATS_USER, password: process.env.NATS_PASSWORD } });
const app = express();
app.get('/health/ready', (_req, res) => {
  const r = auth.verifier.readiness();
  res.status(r.jwks && r.revocations ? 200 : 503).json(r);
});
app.use(auth);
app.get('/orders', requireScopes('orders:read'), (req, res) => {
  res.json({ sub: principalOf(req).sub });
});
app.get('/step-up', requireFactor(), (req, res) => {
  res.json({ sub: principalOf(req).sub });
});

auth.start().then(() => {
  const server = app.listen(Number(process.env.PORT), process.env.HOST);
  process.once('SIGTERM', () => server.close(() => auth.stop().then(() => process.exit(0))));
});
