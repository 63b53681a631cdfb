import type { AccessTokenClaims } from '@gatehouse/contracts';
import { Public } from '@gatehouse/service-runtime';
import { Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AdminGuard } from '../sessions/admin.guard';
import { Claims } from '../sessions/bearer.guard';
import { KeyRotationService } from './key-rotation.service';

/** Admin key operations (bearer token with `gatehouse:admin`). */
@Public()
@UseGuards(AdminGuard)
@Controller('admin/keys')
export class KeysAdminController {
  constructor(private readonly rotation: KeyRotationService) {}

  /**
   * Forced rotation (key compromise): a new key signs at once and every other key leaves the
   * JWKS now, so every token signed before — the caller's own included — stops verifying.
   */
  @Post('rotate')
  @HttpCode(200)
  async rotate(@Claims() claims: AccessTokenClaims, @Req() req: FastifyRequest): Promise<{ kid: string }> {
    return { kid: await this.rotation.forceRotate({ userId: claims.sub, ip: req.ip }) };
  }
}
