import { gatehouseAuth as gatehouseExpress, principalOf, requireScopes } from '@gatehouse/auth-verify/express';
import { gatehouseAuth as gatehouseFastify } from '@gatehouse/auth-verify/fastify';
import fastifyJwt, { type TokenOrHeader } from '@fastify/jwt';
import { Controller, Get, Injectable, Module, UseGuards, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import express from 'express';
import { auth as oauth2Bearer, requiredScopes } from 'express-oauth2-jwt-bearer';
import Fastify, { type FastifyRequest } from 'fastify';
import buildGetJwks from 'get-jwks';
import { passportJwtSecret } from 'jwks-rsa';
import { ExtractJwt, Strategy } from 'passport-jwt';

/** The verifiers the side-by-side row compares with ours (each on its documented path). */
export const PEER_KINDS = ['gatehouse-express', 'gatehouse-fastify', 'fastify-jwt', 'nest-passport', 'express-oauth2'] as const;
/** One of {@link PEER_KINDS}. */
export type PeerKind = (typeof PEER_KINDS)[number];

interface PeerEnv {
  issuer: string;
  jwksUri: string;
  natsUrl: string;
  port: number;
}

const body = (sub: string) => ({ sub, orders: [] as never[] });
const hasScope = (scope: unknown, wanted: string) => typeof scope === 'string' && scope.split(' ').includes(wanted);

async function gatehouseOnExpress(e: PeerEnv): Promise<void> {
  const auth = gatehouseExpress({ issuer: e.issuer, audience: 'orders', jwksUri: e.jwksUri, natsUrl: e.natsUrl });
  const app = express();
  app.get('/health/ready', (_req, res) => void res.status(auth.verifier.readiness().revocations ? 200 : 503).end());
  app.use(auth);
  app.get('/orders', requireScopes('orders:read'), (req, res) => void res.json(body(principalOf(req).sub)));
  await auth.start();
  app.listen(e.port, '127.0.0.1');
}

async function gatehouseOnFastify(e: PeerEnv): Promise<void> {
  const app = Fastify();
  await app.register(gatehouseFastify, { issuer: e.issuer, audience: 'orders', jwksUri: e.jwksUri, natsUrl: e.natsUrl });
  app.get('/health/ready', { config: { public: true } }, (_req, reply) => reply.code(app.gatehouse.readiness().revocations ? 200 : 503).send());
  app.get('/orders', { config: { scopes: ['orders:read'] } }, (req) => body(req.principal?.sub ?? ''));
  await app.listen({ port: e.port, host: '127.0.0.1' });
}

/** @fastify/jwt with get-jwks, as its README shows for a JWKS issuer. */
async function fastifyJwtPeer(e: PeerEnv): Promise<void> {
  const app = Fastify();
  const getJwks = buildGetJwks({ jwksPath: new URL(e.jwksUri).pathname, issuersWhitelist: [new URL(e.jwksUri).origin], providerDiscovery: false });
  await app.register(fastifyJwt, {
    decode: { complete: true },
    secret: (_request: FastifyRequest, token: TokenOrHeader) => {
      const header = 'header' in token ? token.header : token;
      return getJwks.getPublicKey({ kid: header.kid, alg: header.alg, domain: new URL(e.jwksUri).origin });
    },
    verify: { allowedIss: e.issuer, allowedAud: 'orders', algorithms: ['RS256'] },
  });
  app.get('/health/ready', () => ({ ok: true }));
  app.get('/orders', async (req, reply) => {
    const claims = await req.jwtVerify<{ sub: string; scope?: string }>();
    if (!hasScope(claims.scope, 'orders:read')) return reply.code(403).send();
    return body(claims.sub);
  });
  await app.listen({ port: e.port, host: '127.0.0.1' });
}

/** @nestjs/passport + passport-jwt + jwks-rsa, the NestJS documentation's way (here on the Fastify platform, like ours). */
async function nestPassportPeer(e: PeerEnv): Promise<void> {
  @Injectable()
  class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
    constructor() {
      super({
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        secretOrKeyProvider: passportJwtSecret({ jwksUri: e.jwksUri, cache: true, rateLimit: true }),
        issuer: e.issuer,
        audience: 'orders',
        algorithms: ['RS256'],
      });
    }
    validate(payload: { sub: string; scope?: string }): { sub: string; scope?: string } {
      return payload;
    }
  }
  @Injectable()
  class ScopeGuard implements CanActivate {
    canActivate(ctx: ExecutionContext): boolean {
      return hasScope(ctx.switchToHttp().getRequest<{ user?: { scope?: string } }>().user?.scope, 'orders:read');
    }
  }
  @Controller()
  class OrdersController {
    @Get('health/ready') ready(): { ok: true } {
      return { ok: true };
    }
    @UseGuards(AuthGuard('jwt'), ScopeGuard) @Get('orders') orders(): ReturnType<typeof body> {
      return body('');
    }
  }
  @Module({ imports: [PassportModule], controllers: [OrdersController], providers: [JwtStrategy, ScopeGuard] })
  class PeerModule {}
  const app = await NestFactory.create<NestFastifyApplication>(PeerModule, new FastifyAdapter(), { logger: ['error'] });
  await app.listen(e.port, '127.0.0.1');
}

/** Express 5 + express-oauth2-jwt-bearer (Auth0's middleware). */
function expressOauth2Peer(e: PeerEnv): void {
  const app = express();
  app.get('/health/ready', (_req, res) => void res.json({ ok: true }));
  app.use(oauth2Bearer({ issuer: e.issuer, jwksUri: e.jwksUri, audience: 'orders', tokenSigningAlg: 'RS256' }));
  app.get('/orders', requiredScopes('orders:read'), (req, res) => void res.json(body(String(req.auth?.payload.sub ?? ''))));
  app.listen(e.port, '127.0.0.1');
}

/**
 * Entry of the `peer` role (`main.js peer <kind>`): one verifier of the side-by-side row serving
 * `GET /orders` (needs `orders:read`) and `GET /health/ready`.
 */
export async function peerRole(kind: string | undefined, env: NodeJS.ProcessEnv): Promise<void> {
  const need = (k: string) => {
    const v = env[k];
    if (!v) throw new Error(`peer: ${k} is required`);
    return v;
  };
  const e: PeerEnv = { issuer: need('ISSUER'), jwksUri: need('JWKS_URI'), natsUrl: need('NATS_URL'), port: Number(need('PORT')) };
  switch (kind as PeerKind) {
    case 'gatehouse-express':
      return gatehouseOnExpress(e);
    case 'gatehouse-fastify':
      return gatehouseOnFastify(e);
    case 'fastify-jwt':
      return fastifyJwtPeer(e);
    case 'nest-passport':
      return nestPassportPeer(e);
    case 'express-oauth2':
      return expressOauth2Peer(e);
    default:
      throw new Error(`peer: unknown kind ${String(kind)}`);
  }
}
