import type { Provider, Type } from '@nestjs/common';
import { AuthorizationCodes } from '../authorize/authorization-codes.service';
import { AuthorizationFlow } from '../authorize/authorization-flow.service';
import { AuthorizeController } from '../authorize/authorize.controller';
import { Consents } from '../authorize/consents.service';
import { derivePendingAuthorizationKey, PENDING_AUTHORIZATION_KEY } from '../authorize/pending-authorization';
import { AuthorizationCodeGrant } from '../oauth/authorization-code-grant.service';
import { JwtSigner } from '../tokens/jwt-signer.service';
import { BackchannelLogoutRelay } from './backchannel-logout-relay.service';
import { DiscoveryController } from './discovery.controller';
import { EndSessionController } from './end-session.controller';
import { IdTokenIssuer } from './id-token';
import { IdTokenHints } from './id-token-hint';
import { UserinfoController } from './userinfo.controller';

/** Controllers of the OpenID Provider: discovery, authorization, userinfo, end session. */
export const OPENID_PROVIDER_CONTROLLERS: Type<unknown>[] = [DiscoveryController, AuthorizeController, UserinfoController, EndSessionController];

/** Providers of the OpenID Provider; the pending-request key is derived from the key encryption key. */
export function openIdProviderProviders(kek: Buffer): Provider[] {
  return [
    AuthorizationCodes,
    Consents,
    AuthorizationFlow,
    AuthorizationCodeGrant,
    JwtSigner,
    IdTokenIssuer,
    IdTokenHints,
    BackchannelLogoutRelay,
    { provide: PENDING_AUTHORIZATION_KEY, useValue: derivePendingAuthorizationKey(kek) },
  ];
}
