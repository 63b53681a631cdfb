import {
  FIRST_PARTY_CLIENT_ID,
  InvalidCredentialsError,
  RequestInvalidError,
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
import { emailSchema, type LoginInput } from './auth.schemas';

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
  ) {}

  /**
   * Logs a user in.
   *
   * @throws InvalidCredentialsError (`AUTH_INVALID_CREDENTIALS`) for unknown user, wrong password or disabled account
   * @throws RequestInvalidError (`REQUEST_INVALID`) for an unknown client or an audience/scope beyond what is granted
   * @throws RateLimitedError (`AUTH_RATE_LIMITED`) while the account or IP is locked out
   */
  async login(input: LoginInput, origin: SessionOrigin): Promise<TokenResponse> {
    const clientId = input.client_id ?? FIRST_PARTY_CLIENT_ID;
    const grant = await this.clientGrant(clientId);
    const email = emailSchema.safeParse(input.email);
    const ip = origin.ip ?? 'unknown';
    // Throttle check and account lookup are independent reads: one round trip's wait, not two. The
    // bcrypt comparison only starts once the throttle has passed (a locked account costs no hash),
    // and it runs for unknown accounts too, so timing still does not tell them apart.
    const [throttle, found] = await Promise.all([this.throttle.assertAllowed(input.email, ip), this.users.findByEmail(email.success ? email.data : '')]);
    const user = await this.users.checkPassword(found, input.password);
    if (!user) {
      const lockedFor = await this.throttle.recordFailure(input.email, ip);
      await audit(this.ds.manager, lockedFor ? 'login_locked' : 'login_failed', { clientId, ip, ...(lockedFor ? { details: { seconds: lockedFor } } : {}) });
      throw new InvalidCredentialsError();
    }
    if (throttle.accountTracked) await this.throttle.recordSuccess(input.email);

    const grantedScopes = grant.scopes ? user.scopes.filter((s) => grant.scopes?.includes(s)) : user.scopes;
    const audiences = narrow('audience', grant.audiences, input.audience === undefined ? undefined : [input.audience].flat());
    const scopes = narrow('scope', grantedScopes, input.scope === undefined ? undefined : (parseScope(input.scope) ?? []));

    // Session, refresh family and audit row commit together in one statement (one round trip).
    const spec = { userId: user.id, clientId, kind: 'api' as const, idleMs: this.config.REFRESH_TOKEN_TTL * 1000, absoluteMs: this.config.REFRESH_MAX_LIFETIME * 1000 };
    const session = this.sessions.insertion(spec, origin);
    const family = this.refresh.startFamily({ sessionId: session.id, userId: user.id, clientId, scopes, audiences });
    const opened = auditStatement('login_ok', { userId: user.id, clientId, sessionId: session.id, ip: origin.ip ?? null });
    await runAsOneStatement(this.ds.manager, [session.statement, family.statement, opened]);
    const access = this.issuer.issue({ sub: user.id, clientId, audiences, scopes, sid: session.id });
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
