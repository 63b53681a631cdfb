import { ForbiddenError, SCOPES } from '@gatehouse/contracts';
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { BearerGuard } from './bearer.guard';

/** Bearer token of a live session whose scope includes `gatehouse:admin`; else 401/403. */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(private readonly bearer: BearerGuard) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.bearer.canActivate(context);
    const req = context.switchToHttp().getRequest<FastifyRequest & { gatehouseClaims?: { scope: string } }>();
    if (!req.gatehouseClaims?.scope.split(' ').includes(SCOPES.admin)) throw new ForbiddenError('The gatehouse:admin scope is required.');
    return true;
  }
}
