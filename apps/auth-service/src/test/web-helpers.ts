import { createHash } from 'node:crypto';

/** A minimal cookie jar for fetch: keeps name=value pairs from Set-Cookie, drops Max-Age=0 ones. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  /** Applies every Set-Cookie of a response. */
  absorb(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/;\s*Max-Age=0/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  set(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** The first CSRF token in a page (every form of a page carries the same one). */
export function csrfIn(page: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(page);
  if (!m?.[1]) throw new Error('no csrf field in page');
  return m[1];
}

/** SHA-256 of a cookie value, as stored in `sessions.cookie_hash`. */
export function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** A browser-like HTTP client of the dashboard (no redirects followed, so tests see each 303). */
export class WebClient {
  readonly jar = new CookieJar();

  constructor(
    readonly base: string,
    private readonly userAgent = 'web-http-test',
  ) {}

  async get(path: string, headers: Record<string, string> = {}): Promise<{ res: Response; body: string }> {
    const res = await fetch(this.base + path, { redirect: 'manual', headers: { cookie: this.jar.header(), 'user-agent': this.userAgent, ...headers } });
    this.jar.absorb(res);
    return { res, body: await res.text() };
  }

  /** POSTs a form as a same-origin browser would (Origin and Sec-Fetch-Site), unless `headers` says otherwise. */
  async post(path: string, form: Record<string, string | string[]>, headers: Record<string, string> = {}): Promise<{ res: Response; body: string }> {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) for (const item of [v].flat()) body.append(k, item);
    const res = await fetch(this.base + path, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: this.jar.header(),
        origin: this.base,
        'sec-fetch-site': 'same-origin',
        'user-agent': this.userAgent,
        ...headers,
      },
      body: body.toString(),
    });
    this.jar.absorb(res);
    return { res, body: await res.text() };
  }

  /** Logs in through the form; returns the /account page's CSRF token. */
  async login(email: string, password: string): Promise<string> {
    const form = await this.get('/login');
    const res = await this.post('/login', { email, password, csrf: csrfIn(form.body) });
    if (res.res.status !== 303 || res.res.headers.get('location') !== '/account') throw new Error(`login failed: ${res.res.status} ${res.body.slice(0, 200)}`);
    return csrfIn((await this.get('/account')).body);
  }
}
