import {
  EVENT_SCHEMAS,
  RequestInvalidError,
  ServiceUnavailableError,
  type EventPayload,
  type EventSubject,
} from '@gatehouse/contracts';
import { headers, JSONCodec, type JetStreamClient, type MsgHdrs, type NatsConnection } from 'nats';
import { assertPrefix, CONTRACT_PREFIX, toFastSubject, toWireSubject } from './subject-prefix';

/** Header carrying the correlation id (STYLE.md §6). */
export const REQUEST_ID_HEADER = 'x-request-id';
/** Header carrying the event id on both paths (JetStream's own deduplication header). */
export const EVENT_ID_HEADER = 'Nats-Msg-Id';
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const codec = JSONCodec<unknown>();

/** Options for {@link EventPublisher}. */
export interface EventPublisherOptions {
  /** Subject prefix; default `gatehouse`. Tests use their own. */
  prefix?: string;
  /** Milliseconds to wait for the JetStream ack; default 5000. */
  timeoutMs?: number;
  /** A second connection (on another node, see `connectFastPathPeer`) that sends every fast-path copy too. */
  fastPathPeer?: NatsConnection;
}

/** What JetStream acknowledged. */
export interface PublishResult {
  /** Stream sequence of the stored message (of the original when `duplicate`). */
  seq: number;
  /** True when JetStream already held a message with this msgId inside its duplicate window. */
  duplicate: boolean;
}

/** Per-call options of {@link EventPublisher.publish} and {@link EventPublisher.announce}. */
export interface PublishOptions {
  /** Sent as `x-request-id` when it is short and plain, else dropped. */
  requestId?: string;
  /** `publish` only: also send the fast-path copy first; default true. */
  announce?: boolean;
}

/**
 * Publishes validated Gatehouse events on two paths, both carrying the event id as `Nats-Msg-Id`:
 * the **fast path**, a core-NATS message on `_gh_fast.<prefix>.…` that any live node fans out to
 * every consumer with no stream leader involved, and the **durable path**, JetStream, deduplicated
 * by that id, which consumers replay at boot and after gaps (docs/adr/0001-revocation-fast-path.md).
 *
 * @example
 * const publisher = new EventPublisher(nc);
 * await publisher.publish(EVENT_SUBJECTS.revokedToken, { v: 1, jti, exp }, outboxRow.id, { requestId });
 */
export class EventPublisher {
  private readonly js: JetStreamClient;
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly peer: NatsConnection | undefined;

  /**
   * @param nc - an open connection (the caller owns and drains it)
   * @param options - see {@link EventPublisherOptions}
   * @throws REQUEST_INVALID for an invalid prefix
   */
  constructor(
    private readonly nc: NatsConnection,
    options: EventPublisherOptions = {},
  ) {
    this.prefix = assertPrefix(options.prefix ?? CONTRACT_PREFIX);
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.peer = options.fastPathPeer;
    this.js = nc.jetstream({ timeout: this.timeoutMs });
  }

  /**
   * Validates `payload` against the contracts schema for `subject`, sends the fast-path copy
   * (unless `announce: false`) and publishes it to JetStream as JSON. Retrying with the same
   * `msgId` within the 2-minute duplicate window stores nothing new; consumers drop the repeat by id.
   *
   * @param subject - contracts subject, e.g. `EVENT_SUBJECTS.revokedToken`
   * @param payload - event payload (`v: 1` plus the subject's fields)
   * @param msgId - stable id of this event (the outbox row id), sent as `Nats-Msg-Id`
   * @param options - see {@link PublishOptions}
   * @returns stream sequence and whether JetStream saw it as a duplicate
   * @throws REQUEST_INVALID for an unknown subject, an invalid payload or an empty msgId
   * @throws SERVICE_UNAVAILABLE when JetStream does not acknowledge (down, timeout, no stream)
   */
  async publish<S extends EventSubject>(
    subject: S,
    payload: EventPayload<S>,
    msgId: string,
    options: PublishOptions = {},
  ): Promise<PublishResult> {
    const data = codec.encode(this.validate(subject, payload));
    const hdrs = eventHeaders(msgId, options.requestId);
    if (options.announce !== false) this.send(subject, data, hdrs);
    try {
      const ack = await this.js.publish(toWireSubject(this.prefix, subject), data, { msgID: msgId, headers: hdrs, timeout: this.timeoutMs });
      return { seq: ack.seq, duplicate: ack.duplicate };
    } catch (err) {
      throw new ServiceUnavailableError('The event stream did not acknowledge the event.', { cause: err });
    }
  }

  /**
   * Sends only the fast-path copy: a core-NATS publish, no acknowledgement, no stream leader.
   * It reaches the consumers connected now; the durable path must still follow for the others.
   *
   * @param subject - contracts subject
   * @param payload - event payload
   * @param msgId - the event id (the same one the durable publish uses)
   * @param options - `requestId` as for {@link EventPublisher.publish}
   * @throws REQUEST_INVALID as for {@link EventPublisher.publish}
   * @throws SERVICE_UNAVAILABLE when the connection is closed
   */
  announce<S extends EventSubject>(subject: S, payload: EventPayload<S>, msgId: string, options: Pick<PublishOptions, 'requestId'> = {}): void {
    this.send(subject, codec.encode(this.validate(subject, payload)), eventHeaders(msgId, options.requestId));
  }

  private send(subject: string, data: Uint8Array, hdrs: MsgHdrs): void {
    const fast = toFastSubject(this.prefix, subject);
    let sent = false;
    let failure: unknown;
    // While reconnecting, a client buffers this and sends it to whichever node it reaches next.
    for (const nc of this.peer ? [this.nc, this.peer] : [this.nc]) {
      try {
        nc.publish(fast, data, { headers: hdrs });
        sent = true;
      } catch (err) {
        failure = err;
      }
    }
    if (!sent) throw new ServiceUnavailableError('The fast path is closed.', { cause: failure });
  }

  private validate(subject: string, payload: unknown): unknown {
    if (!Object.prototype.hasOwnProperty.call(EVENT_SCHEMAS, subject)) {
      throw new RequestInvalidError(`Unknown event subject "${subject}".`);
    }
    const parsed = EVENT_SCHEMAS[subject as EventSubject].safeParse(payload);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      throw new RequestInvalidError(`Invalid payload for event "${subject}".`, issues);
    }
    return parsed.data;
  }
}

function eventHeaders(msgId: string, requestId: string | undefined): MsgHdrs {
  if (typeof msgId !== 'string' || msgId.length === 0 || msgId.length > 255) {
    throw new RequestInvalidError('msgId must be a non-empty string of at most 255 characters.');
  }
  const hdrs = headers();
  hdrs.set(EVENT_ID_HEADER, msgId);
  if (requestId !== undefined && ACCEPTABLE_REQUEST_ID.test(requestId)) hdrs.set(REQUEST_ID_HEADER, requestId);
  return hdrs;
}
