import { InvalidCredentialsError, type AccessTokenClaims } from '@gatehouse/contracts';
import { Public } from '@gatehouse/service-runtime';
import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { passwordSchema } from '../auth/auth.schemas';
import { parseBody } from '../common/parse-body';
import { PasswordHasher } from '../users/password-hasher.service';
import { UserEntity } from '../users/user.entity';
import { BearerGuard, Claims } from './bearer.guard';
import { SessionRevoker } from './session-revoker.service';

const schema = z.strictObject({ current_password: z.string().max(4096), new_password: passwordSchema });

/** POST /auth/password: change the password and end every other session. */
@Public()
@UseGuards(BearerGuard)
@Controller('auth')
export class PasswordController {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly revoker: SessionRevoker,
  ) {}

  /** @throws InvalidCredentialsError (`AUTH_INVALID_CREDENTIALS`) if the current password is wrong */
  @Post('password')
  @HttpCode(204)
  async change(@Claims() claims: AccessTokenClaims, @Body() body: unknown, @Req() req: FastifyRequest): Promise<void> {
    const input = parseBody(schema, body);
    const user = await this.ds.getRepository(UserEntity).findOneBy({ id: claims.sub });
    if (!user || !(await this.hasher.verify(input.current_password, user.passwordHash))) throw new InvalidCredentialsError();
    const hash = await this.hasher.hash(input.new_password);
    await this.ds.transaction(async (em) => {
      await em.query('UPDATE users SET password_hash = $2, password_changed_at = now() WHERE id = $1', [user.id, hash]);
      await this.revoker.revokeAllSessions(em, user.id, 'password_changed', { except: claims.sid as string, ip: req.ip });
    });
  }
}
