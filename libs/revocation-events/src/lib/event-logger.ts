/** The slice of a pino-style logger the event library writes to. */
export interface EventLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const line =
  (level: string, write: (text: string) => void) =>
  (obj: object, msg: string): void =>
    write(JSON.stringify({ level, ...obj, msg }));

/** Fallback when the caller passes no logger: one JSON line per entry on stderr. */
export const consoleEventLogger: EventLogger = {
  info: line('info', (t) => console.info(t)),
  warn: line('warn', (t) => console.warn(t)),
  error: line('error', (t) => console.error(t)),
};
