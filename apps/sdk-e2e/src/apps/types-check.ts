// Compiled (tsc --noEmit, strict, nodenext) in the fresh Fastify app: the packed declarations work
// for a TypeScript consumer, including the Fastify augmentation and the core entry point.
import { GatehouseVerifier, httpRefusal, type VerifierOptions } from '@gatehouse/auth-verify';
import { actorsOf, gatehouseAuth, type DelegationRule } from '@gatehouse/auth-verify/fastify';
import { EVENT_SUBJECTS, InvalidTokenError, type AccessTokenClaims } from '@gatehouse/contracts';
import Fastify from 'fastify';

const options: VerifierOptions = {
  issuer: 'http://issuer',
  audience: 'orders',
  jwksUri: 'http://issuer/jwks',
  natsUrl: 'tls://127.0.0.1:4222',
  natsCredentials: { user: 'orders-service', password: 'from-the-environment' },
  natsTlsCaFile: '/etc/gatehouse/nats-ca/ca.crt',
  revocationCheckpoints: true,
};
const app = Fastify();
void app.register(gatehouseAuth, options);
app.get('/orders', { config: { scopes: ['orders:read'] } }, (req) => {
  const who: AccessTokenClaims | null = req.principal;
  return { sub: who?.sub };
});
app.get('/open', { config: { public: true } }, () => app.gatehouse.readiness());
const delegated: DelegationRule = { require: true, actors: ['orders-service'] };
app.post('/reserve', { config: { scopes: ['inventory:reserve'], delegation: delegated } }, (req) => ({ actors: req.principal ? actorsOf(req.principal) : [], act: req.principal?.act?.sub }));
app.get('/step-up', { config: { factor: ['hwk'] } }, (req) => ({ amr: req.principal?.amr, authTime: req.principal?.auth_time }));
const verifier: GatehouseVerifier = app.gatehouse;
const refusal = httpRefusal(new InvalidTokenError());
export const checks: [boolean, number | undefined, string] = [verifier.readiness().jwks, refusal?.status, EVENT_SUBJECTS.revokedToken];
