import type { PublicJwk } from '@gatehouse/contracts';
import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * An RSA signing key. Lifecycle: published (in JWKS) at `publishAt`, signs from `activateAt`
 * until `retireAt`, leaves the JWKS at `expireAt` (after every token it signed has expired).
 */
@Entity('signing_keys')
export class SigningKeyEntity {
  @PrimaryColumn('text')
  kid!: string;

  @Column('jsonb', { name: 'public_jwk' })
  publicJwk!: PublicJwk;

  /** PKCS#8 DER, sealed with AES-256-GCM under the key encryption key (see KeyEncryption). */
  @Column('text', { name: 'private_key_enc' })
  privateKeyEnc!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'publish_at' })
  publishAt!: Date;

  @Column('timestamptz', { name: 'activate_at' })
  activateAt!: Date;

  @Column('timestamptz', { name: 'retire_at', nullable: true })
  retireAt!: Date | null;

  @Column('timestamptz', { name: 'expire_at', nullable: true })
  expireAt!: Date | null;
}
