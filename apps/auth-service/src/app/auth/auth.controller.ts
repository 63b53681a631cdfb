import type { TokenResponse } from '@gatehouse/contracts';
import { Public } from '@gatehouse/service-runtime';
import { Body, Controller, Header, HttpCode, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { parseBody } from '../common/parse-body';
import { UsersService } from '../users/users.service';
import { loginSchema, registerSchema } from './auth.schemas';
import { LoginService } from './login.service';

/** POST /auth/register and /auth/login. */
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
  login(@Body() body: unknown, @Req() req: FastifyRequest): Promise<TokenResponse> {
    const input = parseBody(loginSchema, body);
    return this.logins.login(input, { userAgent: req.headers['user-agent'], ip: req.ip });
  }
}
