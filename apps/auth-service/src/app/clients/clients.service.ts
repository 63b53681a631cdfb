import { OAuthError, RequestInvalidError, isValidClientId } from '@gatehouse/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';
import { queryRows } from '../database/query-rows';
import { ClientCache } from './client-cache';
import { notifyClientChange } from './client-changes';
import { ClientEntity } from './client.entity';
import { checkClientMetadata, type ClientMetadataInput } from './client-metadata';

/** Registration input of a client: its id and RFC 7591 metadata. */
export interface NewClient extends ClientMetadataInput {
  id: string;
  /** Use this secret instead of generating one (local seeding only; must be ≥ 43 chars). */
  secret?: string;
}

/** A registered client together with its secret (none for a public client), shown this once. */
export interface RegisteredClient {
  client: ClientEntity;
  clientSecret: string | null;
}

const SECRET_BYTES = 32;
const MIN_SECRET_LENGTH = 43;

/**
 * Service clients. Secrets are 256 random bits, stored as SHA-256: a high-entropy secret needs
 * no slow hash, and a fast check keeps client_credentials cheap. Authentication reads valid
 * clients through {@link ClientCache}; every change here NOTIFYs in its transaction (so every
 * replica drops the entry) and drops this process's entry once committed.
 */
@Injectable()
export class ClientsService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    private readonly cache: ClientCache,
  ) {}

  /**
   * Registers a client.
   *
   * @throws RequestInvalidError (`REQUEST_INVALID`) for a bad id, audience, scope or secret
   */
  async register(input: NewClient): Promise<RegisteredClient> {
    const metadata = checkClientMetadata(input.id, input, this.config.RESOURCE_AUDIENCES);
    if (input.secret !== undefined && (input.secret.length < MIN_SECRET_LENGTH || metadata.tokenEndpointAuthMethod === 'none')) {
      throw new RequestInvalidError('The client registration is invalid.', [{ path: 'secret', message: 'must be at least 43 characters, and only for confidential clients' }]);
    }
    const isPublic = metadata.tokenEndpointAuthMethod === 'none';
    const clientSecret = isPublic ? null : (input.secret ?? randomBytes(SECRET_BYTES).toString('base64url'));
    const repo = this.ds.getRepository(ClientEntity);
    const client = repo.create({ id: input.id, ...metadata, secretHash: clientSecret === null ? null : sha256(clientSecret), revokedAt: null });
    const inserted = await this.ds.transaction(async (em) => {
      const res = await em.getRepository(ClientEntity).createQueryBuilder().insert().values(client).orIgnore().execute();
      if ((res.raw as unknown[]).length > 0) await notifyClientChange(em, client.id);
      return (res.raw as unknown[]).length > 0;
    });
    if (!inserted) {
      throw new RequestInvalidError('A client with this id already exists.', [{ path: 'id', message: 'taken' }]);
    }
    this.cache.invalidate(client.id);
    return { client, clientSecret };
  }

  /**
   * Replaces a client's metadata (RFC 7592 style: the whole document; the secret stays). A client
   * cannot switch between public and confidential: register a new one instead.
   *
   * @throws RequestInvalidError (`REQUEST_INVALID`) for invalid metadata or a public/confidential switch
   * @returns the updated client, or null if there is no active client with this id
   */
  async update(id: string, input: ClientMetadataInput): Promise<ClientEntity | null> {
    const metadata = checkClientMetadata(id, input, this.config.RESOURCE_AUDIENCES);
    const updated = await this.ds.transaction(async (em) => {
      const current = await em.getRepository(ClientEntity).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!current || current.revokedAt) return null;
      if ((current.tokenEndpointAuthMethod === 'none') !== (metadata.tokenEndpointAuthMethod === 'none')) {
        throw new RequestInvalidError('The client registration is invalid.', [{ path: 'token_endpoint_auth_method', message: 'cannot switch between public and confidential' }]);
      }
      await em.getRepository(ClientEntity).update({ id }, metadata);
      await notifyClientChange(em, id);
      return { ...current, ...metadata };
    });
    this.cache.invalidate(id);
    return updated;
  }

  /** Replaces a client's secret (seeding a known development secret); returns false if no such client. */
  async setSecret(id: string, secret: string): Promise<boolean> {
    if (secret.length < MIN_SECRET_LENGTH) throw new RequestInvalidError('Client secrets must be at least 43 characters.');
    const changed = await this.ds.transaction(async (em) => {
      const res = await em.getRepository(ClientEntity).createQueryBuilder().update().set({ secretHash: sha256(secret) }).where("id = :id AND token_endpoint_auth_method <> 'none'", { id }).execute();
      if ((res.affected ?? 0) > 0) await notifyClientChange(em, id);
      return (res.affected ?? 0) > 0;
    });
    this.cache.invalidate(id);
    return changed;
  }

  /**
   * Revokes a client inside the caller's transaction `em` (with its NOTIFY); false if no such
   * active client. Call {@link forget} once that transaction has committed.
   */
  async revoke(em: EntityManager, id: string): Promise<boolean> {
    const hit = await queryRows<{ id: string }>(em, 'UPDATE clients SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id', [id]);
    if (hit.length === 0) return false;
    await notifyClientChange(em, id);
    return true;
  }

  /** Drops this process's cached record of `id` (after a committed change; other replicas get the NOTIFY). */
  forget(id: string): void {
    this.cache.invalidate(id);
  }

  /** An active (not revoked) client by id, through the cache; null for an unknown or malformed id. */
  async findActive(id: string): Promise<ClientEntity | null> {
    const client = isValidClientId(id) ? (this.cache.get(id) ?? (await this.load(id))) : null;
    return client && !client.revokedAt ? client : null;
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
    const client = isValidClientId(id) ? (this.cache.get(id) ?? (await this.load(id))) : null;
    const presented = sha256(secret);
    const expected = client?.secretHash ?? presented;
    const match = client?.secretHash != null && expected.length === presented.length && timingSafeEqual(expected, presented);
    if (!client || !match || client.revokedAt) {
      throw new OAuthError('invalid_client', 'Client authentication failed.');
    }
    return client;
  }

  /** A database read that is cached only if it is a valid client and nothing changed meanwhile. */
  private async load(id: string): Promise<ClientEntity | null> {
    const generation = this.cache.generation;
    const client = await this.find(id);
    if (client) this.cache.set(client, generation);
    return client;
  }
}

function sha256(value: string): Buffer {
  return hash('sha256', value, 'buffer');
}
