import { EmailTakenError, SCOPES } from '@gatehouse/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryFailedError } from 'typeorm';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';
import { PasswordHasher } from './password-hasher.service';
import { UserEntity } from './user.entity';

const UNIQUE_VIOLATION = '23505';

/** User accounts: registration and credential checks. */
@Injectable()
export class UsersService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly hasher: PasswordHasher,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  /**
   * Creates an account with the default scopes (plus `gatehouse:admin` when `admin`).
   *
   * @throws EmailTakenError (`AUTH_EMAIL_TAKEN`) if the email is registered
   */
  async register(email: string, password: string, admin = false): Promise<UserEntity> {
    const scopes = [...this.config.DEFAULT_USER_SCOPES, ...(admin ? [SCOPES.admin] : [])];
    const repo = this.ds.getRepository(UserEntity);
    const user = repo.create({ email, passwordHash: await this.hasher.hash(password), scopes, disabledAt: null });
    try {
      return await repo.save(user);
    } catch (err) {
      if (err instanceof QueryFailedError && (err.driverError as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new EmailTakenError();
      }
      throw err;
    }
  }

  /** Finds an account by id. */
  findById(id: string): Promise<UserEntity | null> {
    return this.ds.getRepository(UserEntity).findOneBy({ id });
  }

  /** Finds an account by normalised email. */
  findByEmail(email: string): Promise<UserEntity | null> {
    return this.ds.getRepository(UserEntity).findOneBy({ email });
  }

  /**
   * Returns the enabled user whose password matches, else null. Always runs exactly one bcrypt
   * comparison, so unknown, disabled and wrong-password cases take the same time.
   */
  async verifyCredentials(email: string, password: string): Promise<UserEntity | null> {
    return this.checkPassword(await this.findByEmail(email), password);
  }

  /**
   * The second half of {@link verifyCredentials}, for callers that looked the account up
   * themselves (alongside other queries): `user` if it is enabled and `password` matches, else
   * null, after exactly one bcrypt comparison whether or not `user` is null.
   */
  async checkPassword(user: UserEntity | null, password: string): Promise<UserEntity | null> {
    const ok = await this.hasher.verify(password, user?.passwordHash ?? null);
    return ok && user && !user.disabledAt ? user : null;
  }
}
