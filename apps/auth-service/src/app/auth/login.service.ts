import {
  FIRST_PARTY_CLIENT_ID,
  InvalidCredentialsError,
  RequestInvalidError,
  SecondFactorInvalidError,
  parseScope,
  type TokenResponse,
} from '@gatehouse/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { audit, auditStatement } from '../audit/audit';
import { ClientsService } from '../clients/clients.service';
import { runAsOneStatement } from '../database/one-statement';
import { RefreshTokenService } from '../refresh/refresh-token.service';
import { LoginThrottle } from '../throttle/login-throttle.service';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';
import { TokenIssuer } from '../tokens/token-issuer.service';
import { SessionsService, type SessionOrigin } from '../users/sessions.service';
import { UsersService } from '../users/users.service';
import { AuthChallenges } from '../factors/auth-challenges.service';
import { Factors } from '../factors/factors.service';
import { SecondFactorCheck } from '../factors/second-factor.service';
import { emailSchema, type LoginInput, type SecondFactorInput } from './auth.schemas';

/** Seconds the second step of a login may take. */
export const SECOND_FACTOR_CHALLENGE_TTL = 300;

/** The answer to a correct password of an account with a second factor: no tokens yet. */
export interface SecondFactorRequired {
  secondFactorRequired: true;
  /** Single use, short-lived; presented with the code to `POST /auth/login/second-factor`. */
  challenge: string;
  expiresIn: number;
  /** What the second step accepts: `totp` (if enrolled) and `recovery_code`. */
  factors: ('totp' | 'recovery_code')[];
}

/** What a login grants once the user is known: the session's client, audiences and scopes. */
interface LoginGrant {
  clientId: string;
  audiences: string[];
  scopes: string[];
}

/** Password login: checks credentials, opens a session and issues its tokens. */
@Injectable()
export class LoginService {
  constructor(
    private readonly users: UsersService,
    private readonly clients: ClientsService,
    private readonly sessions: SessionsService,
    private readonly issuer: TokenIssuer,
    private readonly refresh: RefreshTokenService,
    private readonly throttle: LoginThrottle,
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    private readonly factors: Factors,
    private readonly challenges: AuthChallenges,
    private readonly codes: SecondFactorCheck,
  ) {}

  /**
   * Logs a user in.
   *
   * @throws InvalidCredentialsError (`AUTH_INVALID_CREDENTIALS`) for unknown user, wrong password or disabled account
   * @throws RequestInvalidError (`REQUEST_INVALID`) for an unknown client or an audience/scope beyond what is granted
   * @throws RateLimitedError (`AUTH_RATE_LIMITED`) while the account or IP is locked out
   */
  async login(input: LoginInput, origin: SessionOrigin): Promise<TokenResponse | SecondFactorRequired> {
    const clientId = input.client_id ?? FIRST_PARTY_CLIENT_ID;
    const grant = await this.clientGrant(clientId);
    const email = emailSchema.safeParse(input.email);
    const ip = origin.ip ?? 'unknown';
    // Throttle check and account lookup are independent reads: one round trip's wait, not two. The
    // bcrypt comparison only starts once the throttle has passed (a locked account costs no hash),
    // and it runs for unknown accounts too, so timing still does not tell them apart.
    const [throttle, found] = await Promise.all([this.throttle.assertAllowed(input.email, ip), this.users.findByEmail(email.success ? email.data : '')]);
    // The factor lookup runs beside the bcrypt comparison (hidden by it, for known and unknown accounts alike).
    const [user, kinds] = await Promise.all([this.users.checkPassword(found, input.password), found ? this.factors.kinds(found.id) : Promise.resolve(new Set<string>())]);
    if (!user) {
      const lockedFor = await this.throttle.recordFailure(input.email, ip);
      await audit(this.ds.manager, lockedFor ? 'login_locked' : 'login_failed', { clientId, ip, ...(lockedFor ? { details: { seconds: lockedFor } } : {}) });
      throw new InvalidCredentialsError();
    }

    const grantedScopes = grant.scopes ? user.scopes.filter((s) => grant.scopes?.includes(s)) : user.scopes;
    const audiences = narrow('audience', grant.audiences, input.audience === undefined ? undefined : [input.audience].flat());
    const scopes = narrow('scope', grantedScopes, input.scope === undefined ? undefined : (parseScope(input.scope) ?? []));
    // The failure counter is only cleared once the whole sign-in succeeds: a known password must
    // not reset the throttle on guessing the code.
    if (kinds.size > 0) return this.askForSecondFactor(user.id, { clientId, audiences, scopes }, kinds.has('totp'));
    if (throttle.accountTracked) await this.throttle.recordSuccess(input.email);
    return this.open(user.id, { clientId, audiences, scopes }, origin, ['pwd']);
  }

  /**
   * The second step: the challenge of the first and a TOTP or recovery code. A wrong code counts
   * against the challenge (five tries) and the account's throttle; a right one uses both up.
   *
   * @throws SecondFactorInvalidError (`AUTH_SECOND_FACTOR_INVALID`, 401) for a wrong, replayed or used code, or a dead challenge
   * @throws RateLimitedError (`AUTH_RATE_LIMITED`) while the account or IP is locked out
   */
  async completeSecondFactor(input: SecondFactorInput, origin: SessionOrigin): Promise<TokenResponse> {
    const pending = await this.challenges.peek('second_factor', input.challenge);
    const user = pending?.userId ? await this.users.findById(pending.userId) : null;
    if (!pending || !user || user.disabledAt) throw new SecondFactorInvalidError('The sign-in has expired or was already completed: log in again.');
    const grant = pending.data as unknown as LoginGrant;
    const ctx = { userId: user.id, email: user.email, ip: origin.ip ?? 'unknown', clientId: grant.clientId, channel: 'api' as const };
    const amr = await this.codes.check({ code: input.code, recoveryCode: input.recovery_code }, ctx);
    if (!amr) {
      await this.challenges.fail(input.challenge);
      throw new SecondFactorInvalidError();
    }
    if (!(await this.challenges.consume('second_factor', input.challenge))) throw new SecondFactorInvalidError('The sign-in has expired or was already completed: log in again.');
    return this.open(user.id, grant, origin, amr);
  }

  private async askForSecondFactor(userId: string, grant: LoginGrant, totp: boolean): Promise<SecondFactorRequired> {
    const challenge = await this.challenges.create('second_factor', userId, { ...grant }, SECOND_FACTOR_CHALLENGE_TTL);
    return { secondFactorRequired: true, challenge, expiresIn: SECOND_FACTOR_CHALLENGE_TTL, factors: totp ? ['totp', 'recovery_code'] : ['recovery_code'] };
  }

  /** Session, refresh family and audit row commit together in one statement (one round trip). */
  private async open(userId: string, grant: LoginGrant, origin: SessionOrigin, amr: string[]): Promise<TokenResponse> {
    const { clientId, audiences, scopes } = grant;
    const spec = { userId, clientId, kind: 'api' as const, idleMs: this.config.REFRESH_TOKEN_TTL * 1000, absoluteMs: this.config.REFRESH_MAX_LIFETIME * 1000, amr };
    const session = this.sessions.insertion(spec, origin);
    const family = this.refresh.startFamily({ sessionId: session.id, userId, clientId, scopes, audiences });
    const opened = auditStatement('login_ok', { userId, clientId, sessionId: session.id, ip: origin.ip ?? null, ...(amr.length > 1 ? { details: { amr: amr.join(' ') } } : {}) });
    await runAsOneStatement(this.ds.manager, [session.statement, family.statement, opened]);
    const access = this.issuer.issue({ sub: userId, clientId, audiences, scopes, sid: session.id, amr, authTime: new Date() });
    return { access_token: access.token, token_type: 'Bearer', expires_in: access.expiresIn, scope: access.scope, refresh_token: family.token };
  }

  private async clientGrant(clientId: string): Promise<{ audiences: string[]; scopes?: string[] }> {
    if (clientId === FIRST_PARTY_CLIENT_ID) return { audiences: this.config.RESOURCE_AUDIENCES };
    const client = await this.clients.find(clientId);
    if (!client || client.revokedAt) {
      throw new RequestInvalidError('Unknown client.', [{ path: 'client_id', message: 'unknown client' }]);
    }
    return { audiences: client.audiences, scopes: client.scopes };
  }
}

/** Returns `requested` if it is a subset of `allowed`, `allowed` when nothing was requested. */
function narrow(field: 'audience' | 'scope', allowed: readonly string[], requested: string[] | undefined): string[] {
  if (requested === undefined) return [...allowed];
  const extra = requested.filter((r) => !allowed.includes(r));
  if (extra.length > 0 || requested.length === 0) {
    throw new RequestInvalidError(`The requested ${field} is not granted.`, [{ path: field, message: 'not granted' }]);
  }
  return [...new Set(requested)];
}
