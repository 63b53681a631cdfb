'use strict';
// A fresh NestJS 11 service (Express platform) outside the repository, protected by the installed
// tarball. Plain JavaScript, so decorators are applied with Reflect.decorate.
require('reflect-metadata');
const { Controller, Get, Inject, Module, ServiceUnavailableException } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { AuthVerifyModule, Principal, Public, RequireFactor, Scopes, VerifierReadiness } = require('@gatehouse/auth-verify/nest');

class OrdersController {
  constructor(readiness) {
    this.readiness = readiness;
  }
  ready() {
    const r = this.readiness.check();
    if (!(r.jwks && r.revocations)) throw new ServiceUnavailableException(r);
    return r;
  }
  list(who) {
    return { sub: who.sub };
  }
  stepUp(who) {
    return { sub: who.sub };
  }
}
const method = (name, decorators) => Reflect.decorate(decorators, OrdersController.prototype, name, Object.getOwnPropertyDescriptor(OrdersController.prototype, name));
method('ready', [Public(), Get('health/ready')]);
method('list', [Scopes('orders:read'), Get('orders')]);
Principal()(OrdersController.prototype, 'list', 0);
method('stepUp', [RequireFactor(), Get('step-up')]);
Principal()(OrdersController.prototype, 'stepUp', 0);
Inject(VerifierReadiness)(OrdersController, undefined, 0);
Reflect.decorate([Controller()], OrdersController);

class AppModule {}
Reflect.decorate([Module({ imports: [AuthVerifyModule.forRoot({ issuer: process.env.ISSUER, audience: 'orders', jwksUri: process.env.JWKS_URI, natsUrl: process.env.NATS_URL, natsCredentials: { user: process.env.NATS_USER, password: process.env.NATS_PASSWORD } })], controllers: [OrdersController] })], AppModule);

NestFactory.create(AppModule, { logger: ['error', 'warn'] }).then(async (app) => {
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT), process.env.HOST);
});
