import { createServer } from 'node:http';

/** A loopback listener that must never be contacted: hostile tokens point `jku`/`x5u` at it. */
export interface TrapServer {
  /** `http://127.0.0.1:<port>/jwks`. */
  readonly url: string;
  /** Requests received so far (any is a failure of the verifier under test). */
  hits(): number;
  close(): Promise<void>;
}

/**
 * Starts a {@link TrapServer} answering every request with `body` (default `{}`).
 *
 * @example const trap = await startTrapServer(); …; expect(trap.hits()).toBe(0);
 */
export async function startTrapServer(body = '{}'): Promise<TrapServer> {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  return {
    url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/jwks`,
    hits: () => hits,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
