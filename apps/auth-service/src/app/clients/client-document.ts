import { CLIENT_GRANT_TYPES, TOKEN_ENDPOINT_AUTH_METHODS, parseScope } from '@gatehouse/contracts';
import { z } from 'zod';
import type { ClientEntity } from './client.entity';
import type { ClientMetadataInput } from './client-metadata';
import type { ExchangePolicy } from './exchange-policy';

const uriList = z.array(z.string().max(2000)).max(10);
const scopeString = z.string().max(2048);

/** `token_exchange` in the admin API: RFC 7591-style names, scopes as space-separated strings. */
const tokenExchangeBody = z.strictObject({
  subject_audience: z.string().max(64),
  targets: z.array(z.strictObject({ audience: z.string().max(64), scope: scopeString, subject_scope: scopeString.optional() })).min(1).max(16),
});

/**
 * The admin API's client document: RFC 7591 names (`client_name`, `redirect_uris`, `scope`, …),
 * plus `audiences` and `first_party`. The older `id` / `name` / `scopes` spellings are accepted too.
 */
export const clientMetadataBody = z.strictObject({
  client_name: z.string().min(1).max(200).optional(),
  name: z.string().min(1).max(200).optional(),
  redirect_uris: uriList.optional(),
  post_logout_redirect_uris: uriList.optional(),
  backchannel_logout_uri: z.string().max(2000).nullable().optional(),
  token_endpoint_auth_method: z.enum(TOKEN_ENDPOINT_AUTH_METHODS).optional(),
  grant_types: z.array(z.enum(CLIENT_GRANT_TYPES)).min(1).max(3).optional(),
  scope: z.string().max(2048).optional(),
  scopes: z.array(z.string().max(64)).max(32).optional(),
  audiences: z.array(z.string().max(64)).max(16).optional(),
  first_party: z.boolean().optional(),
  /** RFC 8693 policy; null removes it. */
  token_exchange: tokenExchangeBody.nullable().optional(),
});

/** Registration body: the metadata and the client's id. */
export const clientRegistrationBody = clientMetadataBody.extend({
  client_id: z.string().max(64).optional(),
  id: z.string().max(64).optional(),
});

/** The metadata of a parsed body, in the service's terms. */
export function metadataFrom(body: z.infer<typeof clientMetadataBody>): ClientMetadataInput {
  const scopes = body.scope !== undefined ? (parseScope(body.scope) ?? [body.scope]) : body.scopes;
  return {
    name: body.client_name ?? body.name,
    audiences: body.audiences,
    scopes,
    redirectUris: body.redirect_uris,
    postLogoutRedirectUris: body.post_logout_redirect_uris,
    backchannelLogoutUri: body.backchannel_logout_uri,
    tokenEndpointAuthMethod: body.token_endpoint_auth_method,
    grantTypes: body.grant_types,
    firstParty: body.first_party,
    tokenExchange: body.token_exchange === undefined ? undefined : exchangePolicyFrom(body.token_exchange),
  };
}

function exchangePolicyFrom(body: z.infer<typeof tokenExchangeBody> | null): ExchangePolicy | null {
  if (body === null) return null;
  const words = (s: string | undefined) => (s ?? '').split(' ').filter(Boolean);
  return {
    subjectAudience: body.subject_audience,
    targets: body.targets.map((t) => ({ audience: t.audience, scopes: words(t.scope), subjectScopes: words(t.subject_scope) })),
  };
}

/** A policy as the admin API and the CLI show it. */
export function exchangePolicyDocument(policy: ExchangePolicy | null): Record<string, unknown> | null {
  if (!policy) return null;
  return {
    subject_audience: policy.subjectAudience,
    targets: policy.targets.map((t) => ({ audience: t.audience, scope: t.scopes.join(' '), subject_scope: t.subjectScopes.join(' ') })),
  };
}

/** A client as the admin API and the CLI show it (never a secret hash). */
export function clientDocument(client: ClientEntity, clientSecret?: string | null): Record<string, unknown> {
  return {
    client_id: client.id,
    ...(clientSecret ? { client_secret: clientSecret } : {}),
    client_name: client.name,
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    grant_types: client.grantTypes,
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    backchannel_logout_uri: client.backchannelLogoutUri,
    scope: client.scopes.join(' '),
    audiences: client.audiences,
    scopes: client.scopes,
    first_party: client.firstParty,
    token_exchange: exchangePolicyDocument(client.tokenExchange),
    created_at: client.createdAt,
    revoked_at: client.revokedAt,
  };
}
