import { connect, type NatsConnection } from 'nats';

/**
 * Connects to NATS with settings suited to a long-lived service: reconnect forever, quickly.
 *
 * @param url - server URL, e.g. `nats://127.0.0.1:4222` (comma-separated for a cluster)
 * @param name - connection name shown in server monitoring, e.g. the service name
 * @returns the open connection; the caller drains it on shutdown
 * @throws NatsError (`CONNECTION_REFUSED`) when the first connect fails, as `waitOnFirstConnect` is off
 * @example
 * const nc = await connectNats(process.env.NATS_URL ?? 'nats://127.0.0.1:4222', 'orders-service');
 * await nc.drain();
 */
export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  if (url.trim() === '') throw new TypeError('connectNats: url is empty');
  return connect({
    servers: url.split(',').map((s) => s.trim()),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 100,
    waitOnFirstConnect: false,
  });
}
