import { randomBytes } from 'node:crypto';
import type { EventLogger } from '../lib/event-logger';

/** The NATS that compose exposes; tests never mock it (STYLE.md §7). */
export const TEST_NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';

/** A stream name and subject prefix no other test file or service uses. */
export function uniqueStream(): { stream: string; prefix: string } {
  const id = randomBytes(5).toString('hex');
  return { stream: `TEST_EVENTS_${id}`, prefix: `t${id}` };
}

/** Polls `check` until it holds, failing after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A logger that keeps entries for assertions instead of printing them. */
export function recordingLogger(): EventLogger & { entries: { level: string; msg: string; obj: object }[] } {
  const entries: { level: string; msg: string; obj: object }[] = [];
  const at = (level: string) => (obj: object, msg: string) => {
    entries.push({ level, msg, obj });
  };
  return { entries, info: at('info'), warn: at('warn'), error: at('error') };
}
