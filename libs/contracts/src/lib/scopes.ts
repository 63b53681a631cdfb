/** Scopes Gatehouse itself understands. Resource services may define more. */
export const SCOPES = {
  ordersRead: 'orders:read',
  ordersWrite: 'orders:write',
  inventoryReserve: 'inventory:reserve',
  admin: 'gatehouse:admin',
} as const;

/** A scope token per RFC 6749 §3.3: printable ASCII except space, `"` and `\`. */
export const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,64}$/;

/**
 * Parses a space-separated scope string into a de-duplicated list.
 *
 * @param value - the `scope` string (may be empty)
 * @returns the scope tokens, or `null` if any token is malformed
 * @example parseScope('orders:read orders:write') // ['orders:read', 'orders:write']
 */
export function parseScope(value: string): string[] | null {
  const parts = value.split(' ').filter((p) => p.length > 0);
  if (!parts.every((p) => SCOPE_TOKEN.test(p))) return null;
  return [...new Set(parts)];
}
