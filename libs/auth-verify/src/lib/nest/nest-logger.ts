import type { EventLogger } from '@gatehouse/revocation-events';
import { Logger } from '@nestjs/common';

/** The core's logger interface on Nest's Logger, so a Nest app's logger configuration applies. */
export function nestEventLogger(context: string): EventLogger {
  const logger = new Logger(context);
  return {
    info: (o, m) => logger.log({ msg: m, ...o }),
    warn: (o, m) => logger.warn({ msg: m, ...o }),
    error: (o, m) => logger.error({ msg: m, ...o }),
  };
}
