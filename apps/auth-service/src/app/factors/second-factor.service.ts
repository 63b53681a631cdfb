import { RateLimitedError } from '@gatehouse/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { audit } from '../audit/audit';
import { LoginThrottle } from '../throttle/login-throttle.service';
import { amrOf } from './amr';
import { Factors } from './factors.service';

/** A one-time code as a sign-in presents it: from the authenticator app, or a recovery code. */
export interface PresentedCode {
  code?: string | undefined;
  recoveryCode?: string | undefined;
}

/** Who presents it, for the throttle and the audit log. */
export interface CodeContext {
  userId: string;
  email: string;
  ip: string;
  clientId: string;
  channel: 'api' | 'web';
}

/**
 * Checks the one-time code of a sign-in's second step. Throttled like passwords (the same
 * per-account and per-IP counters: a stolen password does not buy unlimited guesses), every
 * failure audited as `factor_failed`, every recovery code used as `recovery_code_used`.
 */
@Injectable()
export class SecondFactorCheck {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly factors: Factors,
    private readonly throttle: LoginThrottle,
  ) {}

  /**
   * The `amr` of the completed sign-in, or null for a wrong, replayed or used-up code.
   *
   * @throws RateLimitedError (`AUTH_RATE_LIMITED`) while the account or IP is locked out
   */
  async check(presented: PresentedCode, ctx: CodeContext): Promise<string[] | null> {
    await this.throttle.assertAllowed(ctx.email, ctx.ip);
    const recovery = !presented.code && Boolean(presented.recoveryCode);
    const ok = presented.code
      ? await this.factors.useTotp(ctx.userId, presented.code.trim())
      : recovery && (await this.factors.useRecoveryCode(ctx.userId, presented.recoveryCode ?? ''));
    const where = { userId: ctx.userId, clientId: ctx.clientId, ip: ctx.ip };
    if (!ok) {
      const lockedFor = await this.throttle.recordFailure(ctx.email, ctx.ip);
      await audit(this.ds.manager, 'factor_failed', { ...where, details: { channel: ctx.channel, method: recovery ? 'recovery_code' : 'totp', ...(lockedFor ? { seconds: lockedFor } : {}) } });
      if (lockedFor) throw new RateLimitedError(lockedFor);
      return null;
    }
    await this.throttle.recordSuccess(ctx.email);
    if (recovery) {
      const left = await this.factors.recoveryCodesLeft(ctx.userId);
      await audit(this.ds.manager, 'recovery_code_used', { ...where, details: { channel: ctx.channel, left } });
    }
    return amrOf(['pwd', 'otp']);
  }
}
