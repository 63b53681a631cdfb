/**
 * True when `body` can be sent again unchanged. Streams, `FormData` and `Blob` are excluded:
 * a stream is consumed by the first send, and the others are left out to keep the rule simple.
 */
export function isReplayableBody(body: RequestInit['body']): boolean {
  return (
    body === undefined ||
    body === null ||
    typeof body === 'string' ||
    body instanceof URLSearchParams ||
    body instanceof Uint8Array
  );
}
