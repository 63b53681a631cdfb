import type { TokenResponse } from '@gatehouse/contracts';
import { Public } from '@gatehouse/service-runtime';
import { Body, Controller, Header, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseBody } from '../common/parse-body';
import { UsersService } from '../users/users.service';
import { loginSchema, registerSchema, secondFactorSchema } from './auth.schemas';
import { LoginService } from './login.service';

/** The 401 of a correct password when a second factor is still needed (`{ code, message, requestId }` plus the challenge). */
export interface SecondFactorRequiredBody {
  code: 'AUTH_SECOND_FACTOR_REQUIRED';
  message: string;
  requestId: string;
  challenge: string;
  expires_in: number;
  factors: ('totp' | 'recovery_code')[];
}

/**
 * POST /auth/register and /auth/login. A login of an account with a second factor answers 401
 * `AUTH_SECOND_FACTOR_REQUIRED` with a single-use challenge; POST /auth/login/second-factor
 * completes it with a TOTP or recovery code.
 */
@Public()
@Controller('auth')
export class AuthController {
  constructor(
    private readonly users: UsersService,
    private readonly logins: LoginService,
  ) {}

  @Post('register')
  @HttpCode(201)
  async register(@Body() body: unknown): Promise<{ id: string }> {
    const { email, password } = parseBody(registerSchema, body);
    const user = await this.users.register(email, password);
    return { id: user.id };
  }

  @Post('login')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  async login(@Body() body: unknown, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<TokenResponse | SecondFactorRequiredBody> {
    const input = parseBody(loginSchema, body);
    const result = await this.logins.login(input, { userAgent: req.headers['user-agent'], ip: req.ip });
    if (!('secondFactorRequired' in result)) return result;
    void reply.status(401);
    return {
      code: 'AUTH_SECOND_FACTOR_REQUIRED',
      message: 'A second factor is required: POST the challenge with a code to /auth/login/second-factor.',
      requestId: String(req.id),
      challenge: result.challenge,
      expires_in: result.expiresIn,
      factors: result.factors,
    };
  }

  @Post('login/second-factor')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  secondFactor(@Body() body: unknown, @Req() req: FastifyRequest): Promise<TokenResponse> {
    const input = parseBody(secondFactorSchema, body);
    return this.logins.completeSecondFactor(input, { userAgent: req.headers['user-agent'], ip: req.ip });
  }
}
