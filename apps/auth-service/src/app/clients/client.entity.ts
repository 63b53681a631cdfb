import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A registered OAuth client (a service using client_credentials). */
@Entity('clients')
export class ClientEntity {
  @PrimaryColumn('text')
  id!: string;

  @Column('text')
  name!: string;

  /** SHA-256 of the generated secret; the secret itself is shown once and never stored. */
  @Column('bytea', { name: 'secret_hash' })
  secretHash!: Buffer;

  @Column('text', { array: true })
  audiences!: string[];

  @Column('text', { array: true })
  scopes!: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;
}
