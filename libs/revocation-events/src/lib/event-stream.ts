import { EVENTS_STREAM, RequestInvalidError } from '@gatehouse/contracts';
import { NatsError, nanos, RetentionPolicy, StorageType, type JetStreamManager, type StreamInfo } from 'nats';
import { assertPrefix, CONTRACT_PREFIX } from './subject-prefix';

/** Longest access-token lifetime (seconds); the stream must outlive every token it can revoke. */
export const MAX_ACCESS_TOKEN_TTL_SECONDS = 3600;
/** Slack on top of the token TTL for clock skew and late replays. */
const MAX_AGE_MARGIN_SECONDS = 300;
const DEFAULT_MAX_AGE_SECONDS = 2 * 3600;
const DUPLICATE_WINDOW_MS = 2 * 60 * 1000;
const STREAM_NAME_IN_USE = 10058;

/** Options for {@link ensureEventStream}. */
export interface EventStreamOptions {
  /** Stream name; default `GATEHOUSE_EVENTS`. Tests pass their own, with `subjectPrefix`. */
  name?: string;
  /** Subject prefix; the stream captures `<prefix>.>`. Required when `name` is overridden. */
  subjectPrefix?: string;
  /** Retention in seconds; default 7200, at least 3900 (token TTL 3600 s + 300 s margin). */
  maxAgeSeconds?: number;
  /** Replicas; default 1 (3 in the prod cluster). */
  numReplicas?: number;
}

function resolve(options: EventStreamOptions): { name: string; prefix: string; maxAge: number; replicas: number } {
  const name = options.name ?? EVENTS_STREAM;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new RequestInvalidError(`Invalid stream name "${name}".`);
  if (name !== EVENTS_STREAM && options.subjectPrefix === undefined) {
    throw new RequestInvalidError('A custom stream name needs its own subjectPrefix.');
  }
  const maxAge = options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
  if (!Number.isInteger(maxAge) || maxAge < MAX_ACCESS_TOKEN_TTL_SECONDS + MAX_AGE_MARGIN_SECONDS) {
    throw new RequestInvalidError(`maxAgeSeconds must be an integer >= ${MAX_ACCESS_TOKEN_TTL_SECONDS + MAX_AGE_MARGIN_SECONDS}.`);
  }
  const replicas = options.numReplicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) {
    throw new RequestInvalidError('numReplicas must be an integer from 1 to 5.');
  }
  return { name, prefix: assertPrefix(options.subjectPrefix ?? CONTRACT_PREFIX), maxAge, replicas };
}

/**
 * Creates the event stream, or updates it in place when it exists with another configuration
 * (retention, replicas). Safe to call on every boot and from several instances at once.
 *
 * @param jsm - JetStream manager of an open connection
 * @param options - overrides; see {@link EventStreamOptions}
 * @returns the stream info after create/update
 * @throws REQUEST_INVALID for bad options; NatsError when JetStream rejects the change
 *   (e.g. a storage type change, which JetStream cannot apply in place)
 * @example
 * const jsm = await nc.jetstreamManager();
 * await ensureEventStream(jsm); // GATEHOUSE_EVENTS on gatehouse.>, 2 h retention
 */
export async function ensureEventStream(jsm: JetStreamManager, options: EventStreamOptions = {}): Promise<StreamInfo> {
  const { name, prefix, maxAge, replicas } = resolve(options);
  const config = {
    subjects: [`${prefix}.>`],
    max_age: nanos(maxAge * 1000),
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    num_replicas: replicas,
  };
  try {
    // Adding with an identical config is a no-op on the server, so the common boot path is one call.
    return await jsm.streams.add({ name, storage: StorageType.File, retention: RetentionPolicy.Limits, ...config });
  } catch (err) {
    if (!(err instanceof NatsError) || err.api_error?.err_code !== STREAM_NAME_IN_USE) throw err;
    return jsm.streams.update(name, config);
  }
}
