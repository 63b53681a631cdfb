import { BACKSLASH, COLON, parseClaimsJson, QUOTE } from './claims-json';

/** Internal reason a token was refused; counted in metrics, never sent to the caller. */
export class TokenRejection extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'TokenRejection';
  }
}

/** Maps what passport-jwt / jsonwebtoken report to a short metric label. */
export function rejectionReason(err: unknown, info: unknown): string {
  const e = err ?? info;
  if (e instanceof TokenRejection) return e.reason;
  if (e instanceof Error) {
    if (e.name === 'TokenExpiredError') return 'expired';
    if (e.name === 'NotBeforeError') return 'not_before';
    if (/audience/i.test(e.message)) return 'audience';
    if (/issuer/i.test(e.message)) return 'issuer';
    if (/signature/i.test(e.message)) return 'signature';
    if (/no auth token/i.test(e.message)) return 'missing';
  }
  return 'malformed';
}

const HEADER_MAX = 2048;
const TOKEN_MAX = 8192;
const ALLOWED_HEADER = new Set(['alg', 'typ', 'kid']);
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Refuses non-canonical base64url (several strings, one value). The alphabet is already checked
 * (COMPACT_JWS), so without padding only the length and the unused low bits of the last
 * character can make a second spelling: O(1), no decode.
 */
function assertCanonical(segment: string): void {
  const rest = segment.length % 4;
  if (rest === 0) return;
  if (rest === 1) throw new TokenRejection('encoding');
  const last = B64URL.indexOf(segment.charAt(segment.length - 1));
  if ((last & (rest === 2 ? 0x0f : 0x03)) !== 0) throw new TokenRejection('encoding');
}

/** Decodes one base64url segment, refusing non-canonical encodings. */
function canonicalBytes(segment: string): Buffer {
  assertCanonical(segment);
  return Buffer.from(segment, 'base64url');
}

/** Decodes a JSON segment, refusing non-canonical base64url and invalid UTF-8. */
function decodeSegment(segment: string): string {
  const bytes = canonicalBytes(segment);
  try {
    return utf8.decode(bytes);
  } catch {
    throw new TokenRejection('encoding');
  }
}

/** Start and end (exclusive) of each top-level member name seen so far; reused by every call (no allocation per token). */
const KEY_RANGES = new Int32Array(128);

/**
 * Whether a JSON object text repeats a top-level member name. JSON.parse silently keeps the
 * last one, so `{"sub":"a","sub":"b"}` could mean different things to different parsers.
 */
export function hasDuplicateKeys(json: string): boolean {
  // Runs on every new token before the signature check: names compared where they stand in the
  // text, with no string per name. A name with escapes has several spellings: then decoded names are compared.
  let keys = 0;
  let decode = false;
  const repeated = forEachMemberName(json, (start, end, escaped) => {
    if (escaped || keys * 2 === KEY_RANGES.length) return (decode = true);
    for (let m = 0; m < keys; m++) if (sameText(json, KEY_RANGES[2 * m] ?? 0, KEY_RANGES[2 * m + 1] ?? 0, start, end)) return true;
    KEY_RANGES[2 * keys] = start;
    KEY_RANGES[2 * keys + 1] = end;
    keys++;
    return false;
  });
  return decode ? hasDuplicateDecodedKeys(json) : repeated;
}

/** {@link hasDuplicateKeys} on decoded member names (a `JSON.parse` per name with escapes). */
function hasDuplicateDecodedKeys(json: string): boolean {
  const seen = new Set<string>();
  return forEachMemberName(json, (start, end, escaped) => {
    const key = escaped ? (JSON.parse(json.slice(start - 1, end + 1)) as string) : json.slice(start, end);
    if (seen.has(key)) return true;
    seen.add(key);
    return false;
  });
}

/**
 * Calls `visit` with the range of each top-level member name of a JSON object text (between its
 * quotes) until it returns true. @returns whether a visit returned true
 */
function forEachMemberName(json: string, visit: (start: number, end: number, escaped: boolean) => boolean): boolean {
  let depth = 0;
  const n = json.length;
  for (let i = 0; i < n; i++) {
    const c = json.charCodeAt(i);
    if (c === QUOTE) {
      let j = i + 1;
      let escaped = false;
      while (j < n && json.charCodeAt(j) !== QUOTE) {
        if (json.charCodeAt(j) === BACKSLASH) {
          escaped = true;
          j += 2;
        } else j++;
      }
      if (depth === 1 && isMemberName(json, j + 1) && visit(i + 1, j, escaped)) return true;
      i = j;
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** Whether the string that ended just before `k` is followed by a colon (a member name, not a value). */
function isMemberName(json: string, k: number): boolean {
  while (k < json.length && isSpace(json.charCodeAt(k))) k++;
  return json.charCodeAt(k) === COLON;
}

/** Whether `json[a, b)` and `json[c, d)` are the same characters. */
function sameText(json: string, a: number, b: number, c: number, d: number): boolean {
  if (b - a !== d - c) return false;
  for (let x = 0; x < b - a; x++) if (json.charCodeAt(a + x) !== json.charCodeAt(c + x)) return false;
  return true;
}


/** Same set as the regex `\s`. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c > 0x7f && /\s/.test(String.fromCharCode(c)));
}

/** A compact JWS that passed {@link parseCompactJws}: what the signature check and claims need. */
export interface CompactJws {
  kid: string;
  /** The header segment, base64url (the same for every token of one key). */
  header: string;
  /** The header segment was found in the known headers passed in (not decoded again). */
  headerKnown: boolean;
  /** `header.payload`, the signed bytes (ASCII). */
  signingInput: string;
  /** The payload as UTF-8 JSON text. */
  payloadJson: string;
  /** The payload already parsed, when it was in the fast path's subset ({@link parseClaimsJson}); else parse `payloadJson`. */
  payload: Record<string, unknown> | undefined;
  /** The signature segment, base64url. */
  signature: string;
}

/**
 * Checks a compact JWS before any key lookup: three canonical base64url segments of valid UTF-8
 * with no repeated JSON member names; a header of exactly RS256, `typ` at+jwt (RFC 9068),
 * a short string kid, no `crit` and no key-carrying or key-locating parameters (`jku`, `x5u`,
 * `jwk`, `x5c` …) — Gatehouse never sets them, so their presence alone marks a forgery.
 * Decodes each segment once and hands the parts on, so nothing is decoded twice (and a payload
 * in the issuer's own form is parsed on the way, see {@link parseClaimsJson}). A header segment
 * found in `knownHeaders` (segments of tokens that verified, with their kid) passed these checks
 * before, character for character, and is not decoded again.
 *
 * @throws TokenRejection with the reason
 */
export function parseCompactJws(raw: string, knownHeaders?: ReadonlyMap<string, string>): CompactJws {
  if (raw.length > TOKEN_MAX || !COMPACT_JWS.test(raw)) throw new TokenRejection('format');
  const d1 = raw.indexOf('.');
  const d2 = raw.indexOf('.', d1 + 1);
  const h64 = raw.slice(0, d1);
  const p64 = raw.slice(d1 + 1, d2);
  const s64 = raw.slice(d2 + 1);
  const known = knownHeaders?.get(h64);
  const kid = known ?? checkHeaderSegment(h64);
  const payloadJson = decodeSegment(p64);
  assertCanonical(s64);
  // A payload written like the issuer's is parsed here in one pass, repeated names found on the
  // way; any other is scanned for them and parsed after the signature check.
  const fast = parseClaimsJson(payloadJson);
  if (fast.kind === 'duplicate' || (fast.kind === 'other' && hasDuplicateKeys(payloadJson))) throw new TokenRejection('duplicate_keys');
  const payload = fast.kind === 'parsed' ? fast.value : undefined;
  return { kid, header: h64, headerKnown: known !== undefined, signingInput: raw.slice(0, d2), payloadJson, payload, signature: s64 };
}

/** The header checks of {@link parseCompactJws}. @returns the kid @throws TokenRejection with the reason */
function checkHeaderSegment(h64: string): string {
  if (h64.length > HEADER_MAX) throw new TokenRejection('header');
  const headerJson = decodeSegment(h64);
  if (hasDuplicateKeys(headerJson)) throw new TokenRejection('duplicate_keys');
  let header: unknown;
  try {
    header = JSON.parse(headerJson);
  } catch {
    throw new TokenRejection('header');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new TokenRejection('header');
  const h = header as Record<string, unknown>;
  if (Object.keys(h).some((k) => !ALLOWED_HEADER.has(k))) throw new TokenRejection('header_params');
  if (h['alg'] !== 'RS256') throw new TokenRejection('alg');
  if (typeof h['typ'] !== 'string' || !['at+jwt', 'application/at+jwt'].includes(h['typ'].toLowerCase())) throw new TokenRejection('typ');
  const kid = h['kid'];
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > 128) throw new TokenRejection('kid');
  return kid;
}

/**
 * {@link parseCompactJws}, returning only the kid.
 *
 * @returns the kid
 * @throws TokenRejection with the reason
 */
export function checkHeader(raw: string): string {
  return parseCompactJws(raw).kid;
}
