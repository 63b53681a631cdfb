import { FIRST_PARTY_CLIENT_ID, OAuthError } from '@gatehouse/contracts';
import { Injectable } from '@nestjs/common';
import type { ClientEntity } from '../clients/client.entity';
import { ClientsService } from '../clients/clients.service';
import { presentedClient } from './client-credentials';

/**
 * Resolves the client of an OAuth request: a confidential client authenticated by Basic or
 * body secret, or — only where `allowPublic` — a public client by bare client_id: the built-in
 * first-party client or a registered one with `token_endpoint_auth_method: none`.
 */
@Injectable()
export class OAuthClientResolver {
  constructor(private readonly clients: ClientsService) {}

  /** @throws OAuthError `invalid_client` / `invalid_request` */
  async resolve(authorization: string | undefined, body: Record<string, unknown>, allowPublic: boolean): Promise<string> {
    const confidential = authorization !== undefined || body['client_secret'] !== undefined;
    if (confidential) {
      const presented = presentedClient(authorization, body);
      return (await this.clients.authenticate(presented.id, presented.secret)).id;
    }
    const declared = body['client_id'] ?? FIRST_PARTY_CLIENT_ID;
    if (allowPublic && declared === FIRST_PARTY_CLIENT_ID) return FIRST_PARTY_CLIENT_ID;
    if (allowPublic && typeof declared === 'string') return (await this.publicClient(declared)).id;
    throw new OAuthError('invalid_client', 'Client authentication is required.');
  }

  /**
   * The registered client of a token request, authenticated as it registered: by secret, or —
   * for a public client — by its client_id alone (PKCE then proves possession).
   *
   * @throws OAuthError `invalid_client`
   */
  async resolveRegistered(authorization: string | undefined, body: Record<string, unknown>): Promise<ClientEntity> {
    if (authorization !== undefined || body['client_secret'] !== undefined) {
      const presented = presentedClient(authorization, body);
      return this.clients.authenticate(presented.id, presented.secret);
    }
    const declared = body['client_id'];
    if (typeof declared !== 'string') throw new OAuthError('invalid_client', 'Client authentication is required.');
    return this.publicClient(declared);
  }

  private async publicClient(id: string): Promise<ClientEntity> {
    const client = await this.clients.findActive(id);
    if (!client || client.tokenEndpointAuthMethod !== 'none') throw new OAuthError('invalid_client', 'Client authentication is required.');
    return client;
  }
}
