import { ServiceUnavailableError } from '@gatehouse/contracts';

/**
 * 503 `SERVICE_UNAVAILABLE` because revocation state is not current (stream not replayed yet, or
 * NATS silent for longer than `maxStalenessMs`): the verifier fails closed rather than trust it.
 */
export class RevocationStaleError extends ServiceUnavailableError {
  constructor() {
    super('Revocation state is not current; try again shortly.');
    this.name = 'RevocationStaleError';
  }
}
