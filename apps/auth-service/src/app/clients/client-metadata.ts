import { CLIENT_GRANT_TYPES, OIDC_SCOPES, RequestInvalidError, TOKEN_ENDPOINT_AUTH_METHODS, isValidClientId, parseScope, type ClientGrantType, type TokenEndpointAuthMethod } from '@gatehouse/contracts';
import { checkExchangePolicy, type ExchangePolicy } from './exchange-policy';

/** Client registration input, with the RFC 7591 fields under their camel-cased names. */
export interface ClientMetadataInput {
  name?: string | undefined;
  audiences?: string[] | undefined;
  scopes?: string[] | undefined;
  redirectUris?: string[] | undefined;
  postLogoutRedirectUris?: string[] | undefined;
  backchannelLogoutUri?: string | null | undefined;
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod | undefined;
  grantTypes?: ClientGrantType[] | undefined;
  firstParty?: boolean | undefined;
  /** Token exchange (RFC 8693); null or absent: the client may not exchange tokens. */
  tokenExchange?: ExchangePolicy | null | undefined;
}

/** Validated, normalised client metadata, as stored. */
export interface ClientMetadata {
  name: string;
  audiences: string[];
  scopes: string[];
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  backchannelLogoutUri: string | null;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  grantTypes: ClientGrantType[];
  firstParty: boolean;
  tokenExchange: ExchangePolicy | null;
}

type Issue = { path: string; message: string };

const MAX_URIS = 10;
const MAX_URI_LENGTH = 2000;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]']);

/**
 * Whether `uri` may be registered as a redirect or logout URI: an absolute https URL, or plain
 * http to a loopback IP literal on any port (RFC 8252 §7.3, native apps); no fragment, no user
 * info, no wildcard. Registered URIs are later compared as exact strings, never by prefix.
 */
export function isRegistrableUri(uri: string): boolean {
  if (uri.length > MAX_URI_LENGTH || uri.includes('#') || uri.includes('*') || /\s/.test(uri)) return false;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === 'https:') return url.hostname.length > 0;
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

/**
 * Checks client registration metadata against the rules of DESIGN.md ("Sign-in for apps") and fills
 * in defaults: redirect clients default to `authorization_code refresh_token`, service clients to
 * `client_credentials`; public clients (`none`) can never use client_credentials.
 *
 * @throws RequestInvalidError (`REQUEST_INVALID`) listing every problem
 */
export function checkClientMetadata(id: string, input: ClientMetadataInput, resourceAudiences: readonly string[]): ClientMetadata {
  const issues: Issue[] = [];
  if (!isValidClientId(id)) issues.push({ path: 'client_id', message: 'must match ^[a-z][a-z0-9._-]{2,63}$ and not be a UUID' });
  const redirectUris = uris('redirect_uris', input.redirectUris, issues);
  const postLogoutRedirectUris = uris('post_logout_redirect_uris', input.postLogoutRedirectUris, issues);
  const backchannelLogoutUri = input.backchannelLogoutUri ?? null;
  if (backchannelLogoutUri !== null && !isRegistrableUri(backchannelLogoutUri)) {
    issues.push({ path: 'backchannel_logout_uri', message: 'must be an https URL (or http on 127.0.0.1 / [::1]) without a fragment' });
  }
  const method = input.tokenEndpointAuthMethod ?? 'client_secret_basic';
  if (!TOKEN_ENDPOINT_AUTH_METHODS.includes(method)) issues.push({ path: 'token_endpoint_auth_method', message: `must be one of ${TOKEN_ENDPOINT_AUTH_METHODS.join(', ')}` });
  const grantTypes = [...new Set(input.grantTypes ?? (redirectUris.length > 0 ? ['authorization_code', 'refresh_token'] : ['client_credentials']))] as ClientGrantType[];
  if (grantTypes.length === 0 || grantTypes.some((g) => !CLIENT_GRANT_TYPES.includes(g))) issues.push({ path: 'grant_types', message: `must be some of ${CLIENT_GRANT_TYPES.join(', ')}` });
  const redirects = grantTypes.includes('authorization_code');
  if (redirects && redirectUris.length === 0) issues.push({ path: 'redirect_uris', message: 'the authorization_code grant needs at least one redirect URI' });
  if (!redirects && (redirectUris.length > 0 || postLogoutRedirectUris.length > 0 || backchannelLogoutUri)) {
    issues.push({ path: 'grant_types', message: 'redirect and logout URIs need the authorization_code grant' });
  }
  if (grantTypes.includes('refresh_token') && !redirects) issues.push({ path: 'grant_types', message: 'refresh_token comes with authorization_code' });
  if (method === 'none' && grantTypes.includes('client_credentials')) issues.push({ path: 'grant_types', message: 'a public client (token_endpoint_auth_method none) cannot use client_credentials' });
  const audiences = [...new Set(input.audiences ?? [])];
  if (audiences.some((a) => !resourceAudiences.includes(a)) || (grantTypes.includes('client_credentials') && audiences.length === 0)) {
    issues.push({ path: 'audiences', message: `must be registered resource audiences (${resourceAudiences.join(', ')})` });
  }
  const scopes = [...new Set(input.scopes ?? [])];
  if (parseScope(scopes.join(' ')) === null || scopes.some((s) => s.includes(' '))) issues.push({ path: 'scope', message: 'must be scope tokens' });
  if (!redirects && scopes.some((s) => (OIDC_SCOPES as readonly string[]).includes(s))) issues.push({ path: 'scope', message: 'OpenID scopes need the authorization_code grant' });
  const name = input.name ?? id;
  if (name.length < 1 || name.length > 200) issues.push({ path: 'client_name', message: 'must be 1 to 200 characters' });
  const tokenExchange = checkExchangePolicy(input.tokenExchange, resourceAudiences, issues);
  if (tokenExchange && method === 'none') issues.push({ path: 'token_exchange', message: 'a public client cannot exchange tokens' });
  if (issues.length > 0) throw new RequestInvalidError('The client registration is invalid.', issues);
  return { name, audiences, scopes, redirectUris, postLogoutRedirectUris, backchannelLogoutUri, tokenEndpointAuthMethod: method, grantTypes, firstParty: input.firstParty ?? false, tokenExchange };
}

function uris(path: string, given: string[] | undefined, issues: Issue[]): string[] {
  const list = [...new Set(given ?? [])];
  if (list.length > MAX_URIS) issues.push({ path, message: `at most ${MAX_URIS}` });
  for (const uri of list) {
    if (!isRegistrableUri(uri)) issues.push({ path, message: `${uri.slice(0, 100)} is not allowed: https only (or http on 127.0.0.1 / [::1]), no fragment, no wildcard` });
  }
  return list;
}
