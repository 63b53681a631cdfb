import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the fake token endpoint answers the next requests. */
export type TokenMode =
  | { kind: 'ok'; expiresIn?: number }
  | { kind: 'status'; status: number; body: string }
  | { kind: 'hang' };

/** One request the fake token endpoint received. */
export interface TokenRequest {
  audience: string | null;
  scope: string | null;
  /** Token exchange only: the user's token. */
  subjectToken?: string | null;
  clientId: string;
  clientSecret: string;
}

/** One request the fake resource endpoint received. */
export interface ResourceRequest {
  token: string | undefined;
  requestId: string | undefined;
  body: string;
}

/**
 * Test double of auth-service's `POST /oauth/token` plus a resource endpoint at `/resource`
 * that answers 401 for revoked tokens. A third party from the library's point of view.
 */
export class FakeAuthServer {
  readonly tokenRequests: TokenRequest[] = [];
  readonly resourceRequests: ResourceRequest[] = [];
  readonly revoked = new Set<string>();
  /** User tokens the token exchange refuses (`invalid_grant`). */
  readonly deadSubjects = new Set<string>();
  mode: TokenMode = { kind: 'ok' };
  rejectEveryToken = false;
  #issued = 0;
  #server: Server | undefined;

  constructor(
    readonly clientId: string,
    readonly clientSecret: string,
  ) {}

  get tokenUrl(): string {
    return `${this.baseUrl}/oauth/token`;
  }

  get baseUrl(): string {
    const address = this.#server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('FakeAuthServer is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      this.#handle(req, res).catch(() => res.destroy());
    });
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  }

  reset(): void {
    this.tokenRequests.length = 0;
    this.resourceRequests.length = 0;
    this.revoked.clear();
    this.deadSubjects.clear();
    this.mode = { kind: 'ok' };
    this.rejectEveryToken = false;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (req.method === 'POST' && req.url === '/oauth/token') return this.#token(req, body, res);
    if (req.url === '/resource') return this.#resource(req, body, res);
    send(res, 404, { error: 'not_found' });
  }

  #token(req: IncomingMessage, body: string, res: ServerResponse): void {
    const mode = this.mode;
    if (mode.kind === 'hang') return;
    const credentials = parseBasic(req.headers.authorization);
    const form = new URLSearchParams(body);
    const exchange = form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:token-exchange';
    if (credentials) {
      this.tokenRequests.push({ ...credentials, audience: form.get('audience'), scope: form.get('scope'), ...(exchange ? { subjectToken: form.get('subject_token') } : {}) });
    }
    if (mode.kind === 'status') {
      res.writeHead(mode.status, { 'content-type': 'application/json' }).end(mode.body);
      return;
    }
    if (!credentials || credentials.clientId !== this.clientId || credentials.clientSecret !== this.clientSecret) {
      return send(res, 401, { error: 'invalid_client', error_description: 'Client authentication failed.' });
    }
    if (exchange) return this.#exchange(form, res, mode.expiresIn ?? 300);
    if (req.headers['content-type'] !== 'application/x-www-form-urlencoded' || form.get('grant_type') !== 'client_credentials') {
      return send(res, 400, { error: 'invalid_request', error_description: 'Expected a client_credentials form.' });
    }
    if (!form.get('audience')) return send(res, 400, { error: 'invalid_request', error_description: 'audience is required.' });
    this.#issued += 1;
    const token = `tok-${this.#issued}-${form.get('audience')}`;
    send(res, 200, { access_token: token, token_type: 'Bearer', expires_in: mode.expiresIn ?? 300, scope: form.get('scope') ?? '' });
  }

  #exchange(form: URLSearchParams, res: ServerResponse, expiresIn: number): void {
    const subject = form.get('subject_token');
    if (!subject || form.get('subject_token_type') !== 'urn:ietf:params:oauth:token-type:access_token' || !form.get('audience')) {
      return send(res, 400, { error: 'invalid_request', error_description: 'subject_token, subject_token_type and audience are required.' });
    }
    if (this.deadSubjects.has(subject)) return send(res, 400, { error: 'invalid_grant', error_description: 'The subject token is invalid, expired or revoked.' });
    this.#issued += 1;
    send(res, 200, { access_token: `xtok-${this.#issued}-${form.get('audience')}`, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', token_type: 'Bearer', expires_in: expiresIn, scope: form.get('scope') ?? '' });
  }

  #resource(req: IncomingMessage, body: string, res: ServerResponse): void {
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
    const requestId = req.headers['x-request-id'];
    this.resourceRequests.push({ token, body, requestId: typeof requestId === 'string' ? requestId : undefined });
    if (token === undefined || this.rejectEveryToken || this.revoked.has(token)) {
      return send(res, 401, { code: 'AUTH_UNAUTHENTICATED' });
    }
    send(res, 200, { token, body });
  }
}

/** RFC 6749 §2.3.1 decoding: base64, split at the first ':', then form-urldecode each part. */
function parseBasic(header: string | undefined): { clientId: string; clientSecret: string } | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const formDecode = (s: string): string => decodeURIComponent(s.replace(/\+/g, ' '));
  return { clientId: formDecode(decoded.slice(0, colon)), clientSecret: formDecode(decoded.slice(colon + 1)) };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
