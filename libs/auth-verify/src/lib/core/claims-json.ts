/**
 * Member names the fast path knows: every claim a Gatehouse access token carries. A payload with
 * any other member goes the general way (`JSON.parse`).
 */
const CLAIM_NAMES = ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id', 'scope', 'sid', 'nbf', 'origin_client_id', 'amr', 'auth_time', 'act'] as const;

/** What {@link parseClaimsJson} makes of a payload. */
export type ClaimsJson =
  /** Exactly what `JSON.parse` returns for the text (which repeats no member name). */
  | { kind: 'parsed'; value: Record<string, unknown> }
  /** The text repeats a top-level member name. */
  | { kind: 'duplicate' }
  /** Outside the fast path's subset: parse it with `JSON.parse` and check names with `hasDuplicateKeys`. */
  | { kind: 'other' };

const OTHER: ClaimsJson = { kind: 'other' };
const DUPLICATE: ClaimsJson = { kind: 'duplicate' };

/** JSON's structural characters, as char codes (shared with the duplicate-name scan in token-rejection.ts). */
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COLON = 0x3a;
const COMMA = 0x2c;
const ZERO = 0x30;
const NINE = 0x39;
/** Digits of the longest integer taken on the fast path (every 15-digit integer is exact in a double). */
const MAX_DIGITS = 15;

/**
 * Parses the payload of an access token in one pass when it is written the way JSON.stringify
 * writes Gatehouse's claims: one object, no whitespace, only the known claim names
 * ({@link CLAIM_NAMES}), and values that are strings without escapes or control characters,
 * non-negative integers of up to 15 digits, or arrays of such strings. It then returns the same
 * object `JSON.parse` would, and tells a repeated name apart for free. Anything else
 * (whitespace, escapes, other names, floats, nested objects such as `act`, `true`…) is `other`,
 * and the caller takes the general way: nothing outside the subset is interpreted here.
 *
 * Why: on every token not seen before, `JSON.parse` plus the duplicate-name scan cost about as
 * much as everything else beside the RSA check together.
 */
export function parseClaimsJson(json: string): ClaimsJson {
  const n = json.length;
  if (n < 2 || json.charCodeAt(0) !== 0x7b || json.charCodeAt(n - 1) !== 0x7d) return OTHER;
  const out: Record<string, unknown> = {};
  if (n === 2) return { kind: 'parsed', value: out };
  let seen = 0;
  let i = 1;
  for (;;) {
    // "name":
    if (json.charCodeAt(i) !== QUOTE) return OTHER;
    const nameEnd = json.indexOf('"', i + 1);
    if (nameEnd < 0 || json.charCodeAt(nameEnd + 1) !== COLON) return OTHER;
    const index = claimIndex(json, i + 1, nameEnd);
    if (index < 0) return OTHER;
    if (seen & (1 << index)) return DUPLICATE;
    seen |= 1 << index;
    i = nameEnd + 2;
    // value
    const c = json.charCodeAt(i);
    let value: unknown;
    if (c === QUOTE) {
      const end = stringEnd(json, i);
      if (end < 0) return OTHER;
      value = json.slice(i + 1, end);
      i = end + 1;
    } else if (c >= ZERO && c <= NINE) {
      let v = c - ZERO;
      let j = i + 1;
      for (; j < n; j++) {
        const d = json.charCodeAt(j);
        if (d < ZERO || d > NINE) break;
        v = v * 10 + (d - ZERO);
      }
      if ((c === ZERO && j > i + 1) || j - i > MAX_DIGITS) return OTHER;
      value = v;
      i = j;
    } else if (c === 0x5b) {
      const items: string[] = [];
      i++;
      if (json.charCodeAt(i) === 0x5d) i++;
      else
        for (;;) {
          if (json.charCodeAt(i) !== QUOTE) return OTHER;
          const end = stringEnd(json, i);
          if (end < 0) return OTHER;
          items.push(json.slice(i + 1, end));
          i = end + 1;
          const next = json.charCodeAt(i++);
          if (next === 0x5d) break;
          if (next !== COMMA) return OTHER;
        }
      value = items;
    } else return OTHER;
    out[CLAIM_NAMES[index] as string] = value;
    const next = json.charCodeAt(i++);
    if (next === COMMA) continue;
    return next === 0x7d && i === n ? { kind: 'parsed', value: out } : OTHER;
  }
}

/** Index in {@link CLAIM_NAMES} of `json[start, end)`, or -1. */
function claimIndex(json: string, start: number, end: number): number {
  const len = end - start;
  for (let k = 0; k < CLAIM_NAMES.length; k++) {
    const name = CLAIM_NAMES[k] as string;
    if (name.length === len && json.startsWith(name, start)) return k;
  }
  return -1;
}

/** Index of the quote closing the string that opens at `start`, or -1 when it holds an escape or a control character. */
function stringEnd(json: string, start: number): number {
  const end = json.indexOf('"', start + 1);
  if (end < 0) return -1;
  for (let k = start + 1; k < end; k++) {
    const c = json.charCodeAt(k);
    if (c < 0x20 || c === BACKSLASH) return -1;
  }
  return end;
}
