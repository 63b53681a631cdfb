import { OAuthError } from '@gatehouse/contracts';

/** Client credentials presented with a request. */
export interface PresentedClient {
  id: string;
  secret: string;
  /** How they were presented; RFC 6749 asks for a Basic challenge when Basic failed. */
  method: 'basic' | 'body';
}

/**
 * Extracts client credentials from `Authorization: Basic` (RFC 6749 §2.3.1, form-urlencoded
 * parts) or from `client_id`/`client_secret` in the body. Using both is an error.
 *
 * @throws OAuthError `invalid_request` for malformed or doubled credentials, `invalid_client` when none
 */
export function presentedClient(authorization: string | undefined, body: Record<string, unknown>): PresentedClient {
  const inBody = body['client_secret'] !== undefined;
  if (authorization !== undefined && /^basic /i.test(authorization)) {
    if (inBody) throw new OAuthError('invalid_request', 'Use one client authentication method.');
    return { ...decodeBasic(authorization.slice(6).trim()), method: 'basic' };
  }
  const id = body['client_id'];
  const secret = body['client_secret'];
  if (typeof id === 'string' && typeof secret === 'string' && id.length > 0 && secret.length > 0) {
    if (id.length > 256 || secret.length > 512) throw new OAuthError('invalid_request', 'Client credentials are too long.');
    return { id, secret, method: 'body' };
  }
  if (id !== undefined || secret !== undefined) {
    if (typeof id !== 'string' || typeof secret !== 'string') throw new OAuthError('invalid_request', 'client_id and client_secret must be strings.');
  }
  throw new OAuthError('invalid_client', 'Client authentication is required.');
}

function decodeBasic(encoded: string): { id: string; secret: string } {
  const invalid = () => new OAuthError('invalid_client', 'Malformed Basic credentials.');
  if (encoded.length > 1024 || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw invalid();
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) throw invalid();
  try {
    const id = formDecode(decoded.slice(0, colon));
    const secret = formDecode(decoded.slice(colon + 1));
    if (!secret) throw invalid();
    return { id, secret };
  } catch {
    throw invalid();
  }
}

/** application/x-www-form-urlencoded decoding; generated ids and secrets have nothing to decode. */
function formDecode(part: string): string {
  return part.includes('%') || part.includes('+') ? decodeURIComponent(part.replace(/\+/g, ' ')) : part;
}
