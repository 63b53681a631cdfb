import { OIDC_SCOPES, parseScope, type OAuthErrorCode } from '@gatehouse/contracts';
import type { ClientEntity } from '../clients/client.entity';

/** A validated authorization request (RFC 6749 §4.1.1, OIDC Core §3.1.2.1, RFC 7636, RFC 8707). */
export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  state: string | null;
  scopes: string[];
  audiences: string[];
  codeChallenge: string;
  nonce: string | null;
  prompt: ('none' | 'login' | 'consent')[];
  maxAge: number | null;
  loginHint: string | null;
  /** When the request first reached us (ms): `prompt=login` needs a sign-in after it. */
  createdAt: number;
}

/** A refusal; `redirect` says whether it may go back to the client (the redirect URI was validated). */
export class AuthorizationError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly redirect: { uri: string; state: string | null } | null,
  ) {
    super(description);
    this.name = 'AuthorizationError';
  }
}

type Params = Record<string, unknown>;
/** Parameters that may appear at most once (RFC 6749 §3.1); `resource` may repeat (RFC 8707). */
const SINGLE = ['client_id', 'redirect_uri', 'response_type', 'response_mode', 'scope', 'state', 'code_challenge', 'code_challenge_method', 'nonce', 'prompt', 'max_age', 'login_hint', 'audience', 'request', 'request_uri'];
const CODE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const PROMPTS = new Set(['none', 'login', 'consent']);

/** The client and redirect URI, checked before anything can be sent back to the client. */
export interface ValidatedTarget {
  client: ClientEntity;
  redirectUri: string;
}

/**
 * Which client and where to answer. Until both are validated nothing may redirect (RFC 6749
 * §4.1.2.1): a bad client or URI is shown on our own page. Redirect URIs match exactly.
 *
 * @throws AuthorizationError without `redirect`
 */
export async function checkTarget(params: Params, find: (id: string) => Promise<ClientEntity | null>): Promise<ValidatedTarget> {
  const page = (description: string) => new AuthorizationError('invalid_request', description, null);
  const clientId = single(params, 'client_id');
  const redirect = single(params, 'redirect_uri');
  if (clientId === undefined || redirect === undefined) throw page('client_id and redirect_uri may be given only once.');
  if (typeof clientId !== 'string' || clientId.length === 0) throw page('The request names no client (client_id).');
  const client = clientId.length <= 64 ? await find(clientId) : null;
  if (!client || client.revokedAt || !client.grantTypes.includes('authorization_code')) {
    throw new AuthorizationError('unauthorized_client', 'This application is not registered for sign-in.', null);
  }
  if (redirect === null) {
    if (client.redirectUris.length !== 1) throw page('The request has no redirect_uri.');
    return { client, redirectUri: client.redirectUris[0] as string };
  }
  if (typeof redirect !== 'string' || !client.redirectUris.includes(redirect)) {
    throw page('The redirect_uri is not registered for this application.');
  }
  return { client, redirectUri: redirect };
}

/**
 * The rest of the request, each rule in the order the endpoint applies them. Errors here go back
 * to the client's redirect URI with `state` and `iss`.
 *
 * @throws AuthorizationError with `redirect`
 */
export function checkRequest(params: Params, target: ValidatedTarget, now: number): AuthorizationRequest {
  const rawState = params['state'];
  const state = typeof rawState === 'string' && rawState.length <= 2048 ? rawState : null;
  const fail = (error: OAuthErrorCode, description: string) => new AuthorizationError(error, description, { uri: target.redirectUri, state });
  for (const name of SINGLE) if (single(params, name) === undefined) throw fail('invalid_request', `The parameter ${name} may be given only once.`);
  if (rawState !== undefined && state === null) throw fail('invalid_request', 'state must be a string of at most 2048 characters.');
  if (params['request'] !== undefined) throw fail('request_not_supported', 'Request objects are not supported.');
  if (params['request_uri'] !== undefined) throw fail('request_uri_not_supported', 'request_uri is not supported.');
  const responseType = params['response_type'];
  if (responseType === undefined) throw fail('invalid_request', 'response_type is required.');
  if (responseType !== 'code') throw fail('unsupported_response_type', 'Only response_type=code is supported.');
  if (params['response_mode'] !== undefined && params['response_mode'] !== 'query') throw fail('invalid_request', 'Only response_mode=query is supported.');
  const codeChallenge = params['code_challenge'];
  if (typeof codeChallenge !== 'string' || !CODE_CHALLENGE.test(codeChallenge)) throw fail('invalid_request', 'PKCE is required: code_challenge must be a base64url SHA-256 (43 characters).');
  if (params['code_challenge_method'] !== 'S256') throw fail('invalid_request', 'PKCE is required with code_challenge_method=S256.');
  const scopes = checkScopes(params['scope'], target.client, fail);
  const audiences = checkAudiences(params, target.client, fail);
  const prompt = checkPrompt(params['prompt'], fail);
  const maxAge = checkMaxAge(params['max_age'], fail);
  return {
    clientId: target.client.id,
    redirectUri: target.redirectUri,
    state,
    scopes,
    audiences,
    codeChallenge,
    nonce: optionalText(params['nonce'], 512, 'nonce', fail),
    prompt,
    maxAge,
    loginHint: optionalText(params['login_hint'], 254, 'login_hint', fail),
    createdAt: now,
  };
}

type Fail = (error: OAuthErrorCode, description: string) => AuthorizationError;

function checkScopes(raw: unknown, client: ClientEntity, fail: Fail): string[] {
  const scopes = typeof raw === 'string' && raw.length <= 1024 ? parseScope(raw) : null;
  if (!scopes || scopes.length === 0) throw fail('invalid_scope', 'scope must be a space-separated list of scopes.');
  const allowed = new Set([...client.scopes]);
  const refused = scopes.filter((s) => !allowed.has(s));
  if (refused.length > 0) throw fail('invalid_scope', `This application may not request: ${refused.join(' ').slice(0, 200)}.`);
  return scopes;
}

/** `resource` (RFC 8707, may repeat) or `audience`: audience names this client may obtain. */
function checkAudiences(params: Params, client: ClientEntity, fail: Fail): string[] {
  const given = [params['resource'], params['audience']].flat().filter((v) => v !== undefined);
  if (given.some((v) => typeof v !== 'string' || v.length === 0 || v.length > 64) || given.length > 16) throw fail('invalid_target', 'resource and audience must name audiences.');
  const requested = [...new Set(given as string[])];
  const refused = requested.filter((a) => !client.audiences.includes(a));
  if (refused.length > 0) throw fail('invalid_target', `This application may not obtain tokens for: ${refused.join(' ').slice(0, 200)}.`);
  return requested.length > 0 ? requested : [...client.audiences];
}

function checkPrompt(raw: unknown, fail: Fail): ('none' | 'login' | 'consent')[] {
  if (raw === undefined) return [];
  const values = typeof raw === 'string' ? [...new Set(raw.split(' ').filter(Boolean))] : null;
  if (!values || values.some((v) => !PROMPTS.has(v))) throw fail('invalid_request', 'prompt must be none, login or consent.');
  if (values.includes('none') && values.length > 1) throw fail('invalid_request', 'prompt=none cannot be combined with other values.');
  return values as ('none' | 'login' | 'consent')[];
}

function checkMaxAge(raw: unknown, fail: Fail): number | null {
  if (raw === undefined) return null;
  if (typeof raw !== 'string' || !/^\d{1,9}$/.test(raw)) throw fail('invalid_request', 'max_age must be a non-negative integer (seconds).');
  return Number(raw);
}

function optionalText(raw: unknown, max: number, name: string, fail: Fail): string | null {
  if (raw === undefined) return null;
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > max) throw fail('invalid_request', `${name} must be a string of at most ${max} characters.`);
  return raw;
}

/** A parameter's single value; null when absent, undefined when repeated. */
function single(params: Params, name: string): unknown {
  const value = params[name];
  if (Array.isArray(value)) return undefined;
  return value === undefined ? null : value;
}

/** Whether a sign-in request asks for OpenID Connect (and so gets an ID token). */
export function isOpenIdRequest(scopes: readonly string[]): boolean {
  return scopes.includes('openid');
}

/** Scopes that are about the user, not a resource: always grantable when the client may ask. */
export function isOidcScope(scope: string): boolean {
  return (OIDC_SCOPES as readonly string[]).includes(scope);
}
