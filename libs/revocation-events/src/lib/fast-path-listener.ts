import type { Msg, NatsConnection, Subscription } from 'nats';
import type { EventConsumerOptions } from './event-consumer.types';
import type { EventLogger } from './event-logger';
import { connectFastPathPeer, type FastPathPeer } from './fast-path-peer';
import { FAST_PATH_TOKEN } from './subject-prefix';

/**
 * The core-NATS side of an {@link EventConsumer}: its subscription to the fast-path subjects on the
 * consumer's connection and, with `fastPathPeer`, on a second connection to another node (a bonus:
 * without it the consumer still works). Every message goes to `onMessage`, which decodes and
 * deduplicates (docs/adr/0001-revocation-fast-path.md).
 */
export class FastPathListener {
  private subscriptions: Subscription[] = [];
  private peer: FastPathPeer | null = null;

  constructor(
    private readonly nc: NatsConnection,
    private readonly prefix: string,
    private readonly peerOptions: EventConsumerOptions['fastPathPeer'],
    private readonly log: { logger: EventLogger; stream: string },
    private readonly onMessage: (m: Msg) => void,
  ) {}

  /** Subscribes on the consumer's connection, then tries the second one. */
  async open(): Promise<void> {
    this.subscriptions.push(this.subscribe(this.nc));
    if (!this.peerOptions) return;
    try {
      this.peer = await connectFastPathPeer(this.peerOptions.url, this.peerOptions.name, this.nc, this.peerOptions.access);
      if (this.peer) this.subscriptions.push(this.subscribe(this.peer.nc));
    } catch (err) {
      this.log.logger.warn({ stream: this.log.stream, err: String(err) }, 'second fast-path connection failed; continuing with one');
    }
  }

  /** Unsubscribes and closes the second connection. Idempotent. */
  async close(): Promise<void> {
    for (const s of this.subscriptions) s.unsubscribe();
    this.subscriptions = [];
    const peer = this.peer;
    this.peer = null;
    await peer?.close();
  }

  private subscribe(nc: NatsConnection): Subscription {
    return nc.subscribe(`${FAST_PATH_TOKEN}.${this.prefix}.>`, { callback: (err, m) => err === null && this.onMessage(m) });
  }
}
