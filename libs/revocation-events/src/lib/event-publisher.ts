import {
  EVENT_SCHEMAS,
  RequestInvalidError,
  ServiceUnavailableError,
  type EventPayload,
  type EventSubject,
} from '@gatehouse/contracts';
import { headers, JSONCodec, type JetStreamClient, type NatsConnection } from 'nats';
import { assertPrefix, CONTRACT_PREFIX, toWireSubject } from './subject-prefix';

/** Header carrying the correlation id (STYLE.md §6). */
export const REQUEST_ID_HEADER = 'x-request-id';
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const codec = JSONCodec<unknown>();

/** Options for {@link EventPublisher}. */
export interface EventPublisherOptions {
  /** Subject prefix; default `gatehouse`. Tests use their own. */
  prefix?: string;
  /** Milliseconds to wait for the JetStream ack; default 5000. */
  timeoutMs?: number;
}

/** What JetStream acknowledged. */
export interface PublishResult {
  /** Stream sequence of the stored message (of the original when `duplicate`). */
  seq: number;
  /** True when JetStream already held a message with this msgId inside its duplicate window. */
  duplicate: boolean;
}

/**
 * Publishes validated Gatehouse events to JetStream, deduplicated by message id.
 *
 * @example
 * const publisher = new EventPublisher(nc);
 * await publisher.publish(EVENT_SUBJECTS.revokedToken, { v: 1, jti, exp }, outboxRow.id, { requestId });
 */
export class EventPublisher {
  private readonly js: JetStreamClient;
  private readonly prefix: string;
  private readonly timeoutMs: number;

  /**
   * @param nc - an open connection (the caller owns and drains it)
   * @param options - see {@link EventPublisherOptions}
   * @throws REQUEST_INVALID for an invalid prefix
   */
  constructor(nc: NatsConnection, options: EventPublisherOptions = {}) {
    this.prefix = assertPrefix(options.prefix ?? CONTRACT_PREFIX);
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.js = nc.jetstream({ timeout: this.timeoutMs });
  }

  /**
   * Validates `payload` against the contracts schema for `subject` and publishes it as JSON.
   * Retrying with the same `msgId` within the 2-minute duplicate window stores nothing new.
   *
   * @param subject - contracts subject, e.g. `EVENT_SUBJECTS.revokedToken`
   * @param payload - event payload (`v: 1` plus the subject's fields)
   * @param msgId - stable id of this event (the outbox row id), sent as `Nats-Msg-Id`
   * @param options - `requestId` is sent as `x-request-id` when it is short and plain, else dropped
   * @returns stream sequence and whether JetStream saw it as a duplicate
   * @throws REQUEST_INVALID for an unknown subject, an invalid payload or an empty msgId
   * @throws SERVICE_UNAVAILABLE when JetStream does not acknowledge (down, timeout, no stream)
   */
  async publish<S extends EventSubject>(
    subject: S,
    payload: EventPayload<S>,
    msgId: string,
    options: { requestId?: string } = {},
  ): Promise<PublishResult> {
    const data = this.validate(subject, payload);
    if (typeof msgId !== 'string' || msgId.length === 0 || msgId.length > 255) {
      throw new RequestInvalidError('msgId must be a non-empty string of at most 255 characters.');
    }
    const hdrs = headers();
    if (options.requestId !== undefined && ACCEPTABLE_REQUEST_ID.test(options.requestId)) {
      hdrs.set(REQUEST_ID_HEADER, options.requestId);
    }
    try {
      const ack = await this.js.publish(toWireSubject(this.prefix, subject), codec.encode(data), {
        msgID: msgId,
        headers: hdrs,
        timeout: this.timeoutMs,
      });
      return { seq: ack.seq, duplicate: ack.duplicate };
    } catch (err) {
      throw new ServiceUnavailableError('The event stream did not acknowledge the event.', { cause: err });
    }
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
