import { OAuthError, RequestInvalidError, isValidClientId, parseScope } from '@gatehouse/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';
import { ClientEntity } from './client.entity';

/** Registration input of a service client. */
export interface NewClient {
  id: string;
  name?: string;
  audiences: string[];
  scopes: string[];
  /** Use this secret instead of generating one (local seeding only; must be ≥ 43 chars). */
  secret?: string;
}

/** A registered client together with its secret, which is shown this once. */
export interface RegisteredClient {
  client: ClientEntity;
  clientSecret: string;
}

const SECRET_BYTES = 32;
const MIN_SECRET_LENGTH = 43;

/**
 * Service clients. Secrets are 256 random bits, stored as SHA-256: a high-entropy secret needs
 * no slow hash, and a fast check keeps client_credentials cheap.
 */
@Injectable()
export class ClientsService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  /**
   * Registers a client.
   *
   * @throws RequestInvalidError (`REQUEST_INVALID`) for a bad id, audience, scope or secret
   */
  async register(input: NewClient): Promise<RegisteredClient> {
    this.validate(input);
    const clientSecret = input.secret ?? randomBytes(SECRET_BYTES).toString('base64url');
    const repo = this.ds.getRepository(ClientEntity);
    const client = repo.create({
      id: input.id,
      name: input.name ?? input.id,
      secretHash: sha256(clientSecret),
      audiences: [...new Set(input.audiences)],
      scopes: [...new Set(input.scopes)],
      revokedAt: null,
    });
    const inserted = await repo.createQueryBuilder().insert().values(client).orIgnore().execute();
    if ((inserted.raw as unknown[]).length === 0) {
      throw new RequestInvalidError('A client with this id already exists.', [{ path: 'id', message: 'taken' }]);
    }
    return { client, clientSecret };
  }

  /** Replaces a client's secret (seeding a known development secret); returns false if no such client. */
  async setSecret(id: string, secret: string): Promise<boolean> {
    if (secret.length < MIN_SECRET_LENGTH) throw new RequestInvalidError('Client secrets must be at least 43 characters.');
    const res = await this.ds.getRepository(ClientEntity).update({ id }, { secretHash: sha256(secret) });
    return (res.affected ?? 0) > 0;
  }

  /** Finds a client by id. */
  find(id: string): Promise<ClientEntity | null> {
    return this.ds.getRepository(ClientEntity).findOneBy({ id });
  }

  /**
   * Authenticates a client by id and secret in constant time with respect to the secret.
   *
   * @throws OAuthError `invalid_client` for an unknown, revoked or wrong-secret client
   */
  async authenticate(id: string, secret: string): Promise<ClientEntity> {
    const client = isValidClientId(id) ? await this.find(id) : null;
    const presented = sha256(secret);
    const expected = client?.secretHash ?? presented;
    const match = expected.length === presented.length && timingSafeEqual(expected, presented);
    if (!client || !match || client.revokedAt) {
      throw new OAuthError('invalid_client', 'Client authentication failed.');
    }
    return client;
  }

  private validate(input: NewClient): void {
    const issues: { path: string; message: string }[] = [];
    if (!isValidClientId(input.id)) issues.push({ path: 'id', message: 'must match ^[a-z][a-z0-9._-]{2,63}$ and not be a UUID' });
    const unknown = input.audiences.filter((a) => !this.config.RESOURCE_AUDIENCES.includes(a));
    if (input.audiences.length === 0 || unknown.length > 0) {
      issues.push({ path: 'audiences', message: `must be registered resource audiences (${this.config.RESOURCE_AUDIENCES.join(', ')})` });
    }
    if (parseScope(input.scopes.join(' ')) === null || input.scopes.some((s) => s.includes(' '))) {
      issues.push({ path: 'scopes', message: 'must be scope tokens' });
    }
    if (input.secret !== undefined && input.secret.length < MIN_SECRET_LENGTH) {
      issues.push({ path: 'secret', message: 'must be at least 43 characters' });
    }
    if (issues.length > 0) throw new RequestInvalidError('The client registration is invalid.', issues);
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
