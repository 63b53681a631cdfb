import { ClientEntity } from '../clients/client.entity';
import { SigningKeyEntity } from '../keys/signing-key.entity';
import { SessionEntity } from '../users/session.entity';
import { UserEntity } from '../users/user.entity';

/** Every TypeORM entity of auth-service. */
export const ENTITIES = [UserEntity, ClientEntity, SigningKeyEntity, SessionEntity];
