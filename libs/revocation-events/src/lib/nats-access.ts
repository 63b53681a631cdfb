import { RequestInvalidError } from '@gatehouse/contracts';
import type { ConnectionOptions } from 'nats';

/**
 * How a service proves who it is to NATS and checks that the server is the real one. Every field
 * is optional so development against a plain `nats-server` keeps working; production deployments
 * set `user`/`password` (one NATS user per service, docs/adr/0003-nats-accounts-and-permissions.md)
 * and, with `tls://` URLs, `tlsCaFile`.
 */
export interface NatsAccess {
  /** NATS user name, e.g. `orders-service` (`NATS_USER`). */
  user?: string | undefined;
  /** That user's password (`NATS_PASSWORD`); never logged. */
  password?: string | undefined;
  /** PEM file of the CA that signed the NATS servers' certificates (`NATS_TLS_CA_FILE`); turns TLS on and verifies the server. */
  tlsCaFile?: string | undefined;
}

/**
 * Turns {@link NatsAccess} into `nats` connection options.
 *
 * @throws REQUEST_INVALID when only one of `user` and `password` is given
 */
export function accessOptions(access: NatsAccess = {}): Pick<ConnectionOptions, 'user' | 'pass' | 'tls'> {
  const { user, password, tlsCaFile } = access;
  if ((user === undefined) !== (password === undefined)) {
    throw new RequestInvalidError('NATS credentials need both a user and a password.');
  }
  return {
    ...(user !== undefined && password !== undefined ? { user, pass: password } : {}),
    ...(tlsCaFile !== undefined ? { tls: { caFile: tlsCaFile } } : {}),
  };
}

/** True when `access` carries credentials (otherwise the connection is anonymous: development only). */
export function hasCredentials(access: NatsAccess | undefined): boolean {
  return access?.user !== undefined && access.password !== undefined;
}

/**
 * Reads {@link NatsAccess} from a service's parsed config (`NATS_USER`, `NATS_PASSWORD`, `NATS_TLS_CA_FILE`).
 *
 * @throws REQUEST_INVALID when only one of `NATS_USER` and `NATS_PASSWORD` is set
 * @example const access = natsAccessFrom(config);
 */
export function natsAccessFrom(config: { NATS_USER?: string | undefined; NATS_PASSWORD?: string | undefined; NATS_TLS_CA_FILE?: string | undefined }): NatsAccess {
  const access: NatsAccess = { user: config.NATS_USER, password: config.NATS_PASSWORD, tlsCaFile: config.NATS_TLS_CA_FILE };
  accessOptions(access);
  return access;
}
