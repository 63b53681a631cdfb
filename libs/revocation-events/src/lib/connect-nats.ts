import { RequestInvalidError } from '@gatehouse/contracts';
import { connect, type ConnectionOptions, type NatsConnection } from 'nats';
import { accessOptions, type NatsAccess } from './nats-access';
import { NATS_URL_RULE, parseNatsUrls } from './nats-urls';

/**
 * Reconnect forever, quickly; and ping every 2 s, so a node that stops answering (SIGSTOP, a
 * partition) is left after ~4–6 s rather than the 2-minute default.
 */
export const SERVICE_CONNECT_OPTIONS = {
  maxReconnectAttempts: -1,
  reconnectTimeWait: 250,
  reconnectJitter: 100,
  pingInterval: 2000,
  maxPingOut: 2,
} as const satisfies ConnectionOptions;

/**
 * Connects to NATS with settings suited to a long-lived service: reconnect forever, quickly, to
 * any of the given servers (and any the cluster gossips), and notice a silent node within seconds.
 *
 * @param url - `NATS_URL`: one server or a comma-separated list, e.g. `nats://a:4222,nats://b:4222`
 * @param name - connection name shown in server monitoring, e.g. the service name
 * @param access - credentials and TLS trust; omitted: anonymous, plain (a development NATS only)
 * @returns the open connection; the caller drains it on shutdown
 * @throws REQUEST_INVALID when `url` is not a list of nats:/tls: URLs, or `access` has a user without a password
 * @throws NatsError (`CONNECTION_REFUSED`) when the first connect fails, as `waitOnFirstConnect` is off;
 *   (`AUTHORIZATION_VIOLATION`) when the server refuses the credentials
 * @example
 * const nc = await connectNats('nats://127.0.0.1:4222', 'orders-service', { user: 'orders-service', password: process.env.NATS_PASSWORD });
 * await nc.drain();
 */
export async function connectNats(url: string, name: string, access?: NatsAccess): Promise<NatsConnection> {
  const servers = parseNatsUrls(url);
  if (servers === null) throw new RequestInvalidError(`connectNats: NATS_URL ${NATS_URL_RULE}.`);
  return connect({ servers, name, ...SERVICE_CONNECT_OPTIONS, ...accessOptions(access), waitOnFirstConnect: false });
}
