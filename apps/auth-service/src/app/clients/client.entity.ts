import type { ClientGrantType, TokenEndpointAuthMethod } from '@gatehouse/contracts';
import type { ExchangePolicy } from './exchange-policy';
import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A registered OAuth client: a service using client_credentials, or an app signing users in with
 * the authorization code flow (RFC 7591 metadata; `audiences`/`scopes` are what it may obtain).
 */
@Entity('clients')
export class ClientEntity {
  @PrimaryColumn('text')
  id!: string;

  @Column('text')
  name!: string;

  /** SHA-256 of the generated secret (shown once, never stored); null for public clients. */
  @Column('bytea', { name: 'secret_hash', nullable: true })
  secretHash!: Buffer | null;

  @Column('text', { array: true })
  audiences!: string[];

  @Column('text', { array: true })
  scopes!: string[];

  @Column('text', { name: 'redirect_uris', array: true, default: '{}' })
  redirectUris!: string[];

  @Column('text', { name: 'post_logout_redirect_uris', array: true, default: '{}' })
  postLogoutRedirectUris!: string[];

  @Column('text', { name: 'backchannel_logout_uri', nullable: true })
  backchannelLogoutUri!: string | null;

  @Column('text', { name: 'token_endpoint_auth_method', default: 'client_secret_basic' })
  tokenEndpointAuthMethod!: TokenEndpointAuthMethod;

  @Column('text', { name: 'grant_types', array: true, default: '{client_credentials}' })
  grantTypes!: ClientGrantType[];

  /** First-party apps skip the consent screen. */
  @Column('boolean', { name: 'first_party', default: false })
  firstParty!: boolean;

  /** RFC 8693 token-exchange policy (see exchange-policy.ts); null: no exchange. */
  @Column('jsonb', { name: 'token_exchange', nullable: true })
  tokenExchange!: ExchangePolicy | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;
}
