import { ACCESS_TOKEN_TYPE_URN, OAuthError, actDepth, isValidClientId, parseScope, type AccessTokenClaims } from '@gatehouse/contracts';
import type { ClientEntity } from '../../clients/client.entity';
import type { ExchangePolicy, ExchangeTarget } from '../../clients/exchange-policy';
import type { TokenRequest } from '../token-request';

/**
 * The rules of `grant_type=urn:ietf:params:oauth:grant-type:token-exchange`, one small named
 * check each; {@link TokenExchangeGrant} runs them in this file's order (docs/security.md has the
 * same table). RFC 8693 §2.2.2 would answer every unacceptable token with `invalid_request`;
 * Gatehouse answers a dead or unacceptable *subject/actor token* with `invalid_grant` (RFC 6749
 * §5.2: the grant is invalid, expired or revoked), so a caller can tell "the user's token is no
 * good" from "my request is malformed".
 */

/** RFC 8693 §2.1 parameters: a subject access token, an optional actor access token, one target. */
export function checkParameters(params: TokenRequest): { subjectToken: string; actorToken: string | undefined; audience: string } {
  if (!params.subject_token || !params.subject_token_type) throw new OAuthError('invalid_request', 'subject_token and subject_token_type are required.');
  if (params.subject_token_type !== ACCESS_TOKEN_TYPE_URN) throw new OAuthError('invalid_request', `Only ${ACCESS_TOKEN_TYPE_URN} can be exchanged.`);
  if ((params.actor_token === undefined) !== (params.actor_token_type === undefined)) throw new OAuthError('invalid_request', 'actor_token and actor_token_type go together.');
  if (params.actor_token_type !== undefined && params.actor_token_type !== ACCESS_TOKEN_TYPE_URN) throw new OAuthError('invalid_request', `actor_token_type must be ${ACCESS_TOKEN_TYPE_URN}.`);
  if (params.requested_token_type !== undefined && params.requested_token_type !== ACCESS_TOKEN_TYPE_URN) throw new OAuthError('invalid_request', `Only ${ACCESS_TOKEN_TYPE_URN} can be issued.`);
  const targets = [params.audience, params.resource].filter((t): t is string => t !== undefined && t.length > 0);
  if (targets.length === 0) throw new OAuthError('invalid_request', 'audience (or resource) names the target service.');
  const [audience] = targets as [string];
  if (targets.some((t) => t !== audience) || audience.includes(' ')) throw new OAuthError('invalid_target', 'Exactly one target audience per exchange.');
  return { subjectToken: params.subject_token, actorToken: params.actor_token, audience };
}

/** No policy, no exchange. */
export function checkPolicy(client: ClientEntity): ExchangePolicy {
  if (!client.tokenExchange) throw new OAuthError('unauthorized_client', 'This client has no token-exchange policy.');
  return client.tokenExchange;
}

/** The subject token verified and live (signature, issuer, expiry, revocation) — checked by the caller — and a user's token. */
export function checkSubjectIsUser(subject: AccessTokenClaims | null): AccessTokenClaims {
  if (!subject) throw new OAuthError('invalid_grant', 'The subject token is invalid, expired or revoked.');
  // A service token has no session and its sub is a client id; only a user's token can be exchanged.
  if (subject.sid === undefined || isValidClientId(subject.sub)) throw new OAuthError('invalid_grant', 'The subject token must be a user\'s access token.');
  return subject;
}

/** The subject token was addressed to the service this client runs. */
export function checkSubjectAudience(subject: AccessTokenClaims, policy: ExchangePolicy): void {
  const aud = typeof subject.aud === 'string' ? [subject.aud] : subject.aud;
  if (!aud.includes(policy.subjectAudience)) throw new OAuthError('invalid_grant', `The subject token is not addressed to ${policy.subjectAudience}.`);
}

/** A chain may not grow past the configured depth (`TOKEN_EXCHANGE_MAX_DEPTH`). */
export function checkDepth(subject: AccessTokenClaims, maxDepth: number): void {
  if (actDepth(subject.act) + 1 > maxDepth) throw new OAuthError('invalid_grant', `The delegation chain would exceed ${maxDepth} actors.`);
}

/** An actor token, if given, is a live service token of the authenticated client itself. */
export function checkActor(actor: AccessTokenClaims | null | undefined, client: ClientEntity): void {
  if (actor === undefined) return;
  if (!actor || actor.sid !== undefined || actor.sub !== client.id || actor.client_id !== client.id || actor.act !== undefined) {
    throw new OAuthError('invalid_grant', 'The actor token must be a live service token of the authenticated client.');
  }
}

/** The target is one the policy lists. */
export function checkTarget(policy: ExchangePolicy, audience: string): ExchangeTarget {
  const target = policy.targets.find((t) => t.audience === audience);
  if (!target) throw new OAuthError('invalid_target', `This client may not exchange tokens for ${audience.slice(0, 64)}.`);
  return target;
}

/** The user granted what the target requires (`subject_scope` of the policy). */
export function checkSubjectScopes(subject: AccessTokenClaims, target: ExchangeTarget): void {
  const held = subject.scope.split(' ');
  if (!target.subjectScopes.every((s) => held.includes(s))) throw new OAuthError('invalid_scope', `The subject token lacks ${target.subjectScopes.join(' ')}.`);
}

/** The requested scopes (default: all of the target's) are within the policy. */
export function checkScopes(params: TokenRequest, target: ExchangeTarget): string[] {
  if (params.scope === undefined) return [...target.scopes];
  const requested = parseScope(params.scope);
  if (requested === null || requested.length === 0 || requested.some((s) => !target.scopes.includes(s))) {
    throw new OAuthError('invalid_scope', `The requested scope is not allowed at ${target.audience}.`);
  }
  return requested;
}
