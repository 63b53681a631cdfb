import { connect, type NatsConnection } from 'nats';
import { SERVICE_CONNECT_OPTIONS } from './connect-nats';
import { accessOptions, type NatsAccess } from './nats-access';
import { parseNatsUrls } from './nats-urls';

const WATCH_MS = 3000;

/** A second connection that carries only the fast path, kept on a different node than the primary. */
export interface FastPathPeer {
  readonly nc: NatsConnection;
  /** Stops the watchdog and closes the connection. */
  close(): Promise<void>;
}

/**
 * Opens a second connection for the fast path to another server of `url` than the one `primary`
 * is on, and keeps it there (a watchdog moves it off the primary's node after a failover). A node
 * that freezes (SIGSTOP, a stalled VM) keeps its sockets open, so its clients notice only after
 * missed pings, seconds later; with two connections on two nodes the other one keeps carrying
 * revocations meanwhile. Returns `null` when `url` names a single server (nothing to spread over).
 *
 * @param url - `NATS_URL` (comma-separated seeds)
 * @param name - connection name, e.g. `verifier-orders-fast`
 * @param primary - the main connection of the same process
 * @param access - the same credentials and TLS trust as the primary connection
 * @throws NatsError when the first connect fails
 */
export async function connectFastPathPeer(url: string, name: string, primary: NatsConnection, access?: NatsAccess): Promise<FastPathPeer | null> {
  const servers = parseNatsUrls(url);
  if (servers === null || servers.length < 2) return null;
  const hostOf = (s: string) => new URL(s).host;
  const others = () => servers.filter((s) => hostOf(s) !== primary.getServer());
  // Gossiped servers are ignored: the peer stays on the configured seeds, whose names it can compare.
  const nc = await connect({ servers: others(), name, ...SERVICE_CONNECT_OPTIONS, ...accessOptions(access), ignoreClusterUpdates: true });
  const watchdog = setInterval(() => {
    if (!nc.isClosed() && nc.getServer() === primary.getServer()) nc.reconnect().catch(() => undefined);
  }, WATCH_MS);
  watchdog.unref();
  return {
    nc,
    async close() {
      clearInterval(watchdog);
      await nc.close().catch(() => undefined);
    },
  };
}
