import type { AccessTokenClaims } from '@gatehouse/contracts';
import { Public } from '@gatehouse/service-runtime';
import { Body, Controller, Delete, HttpCode, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseBody } from '../common/parse-body';
import { BearerGuard, Claims } from '../sessions/bearer.guard';
import { AccountDeletion } from './account-deletion.service';

const schema = z.strictObject({ password: z.string().min(1).max(4096) });

/** DELETE /auth/account: the bearer's user deletes their account, re-authenticating with the password. */
@Public()
@UseGuards(BearerGuard)
@Controller('auth')
export class AccountApiController {
  constructor(private readonly deletion: AccountDeletion) {}

  /**
   * @throws RequestInvalidError (`REQUEST_INVALID`) without a `{password}` body
   * @throws InvalidCredentialsError (`AUTH_INVALID_CREDENTIALS`) if the password is wrong
   * @throws LastAdminError (`ACCOUNT_LAST_ADMIN`) for the last enabled administrator
   */
  @Delete('account')
  @HttpCode(204)
  async remove(@Claims() claims: AccessTokenClaims, @Body() body: unknown, @Req() req: FastifyRequest): Promise<void> {
    const { password } = parseBody(schema, body ?? null);
    await this.deletion.deleteOwn(claims.sub, password, req.ip);
  }
}
