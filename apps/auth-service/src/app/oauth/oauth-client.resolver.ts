import { FIRST_PARTY_CLIENT_ID, OAuthError } from '@gatehouse/contracts';
import { Injectable } from '@nestjs/common';
import { ClientsService } from '../clients/clients.service';
import { presentedClient } from './client-credentials';

/**
 * Resolves the client of an OAuth request: a confidential client authenticated by Basic or
 * body secret, or — only where `allowPublic` — the first-party public client by bare client_id.
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
    throw new OAuthError('invalid_client', 'Client authentication is required.');
  }
}
