import { OAuthError, RequestInvalidError, isValidClientId, parseScope } from '@gatehouse/contracts';
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

  /** Replaces a client's secret (seeding a known development secret); returns false if no such client. */
  async setSecret(id: string, secret: string): Promise<boolean> {
    if (secret.length < MIN_SECRET_LENGTH) throw new RequestInvalidError('Client secrets must be at least 43 characters.');
    const changed = await this.ds.transaction(async (em) => {
      const res = await em.getRepository(ClientEntity).update({ id }, { secretHash: sha256(secret) });
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
    const match = expected.length === presented.length && timingSafeEqual(expected, presented);
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
  return hash('sha256', value, 'buffer');
}
