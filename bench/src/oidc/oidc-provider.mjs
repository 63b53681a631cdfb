// The peer for rows 3 and 8: node-oidc-provider configured for the same grants as Gatehouse —
// client_credentials (RS256 JWT access tokens, typ at+jwt, one audience, one scope) and, for row 8,
// authorization_code with PKCE for a public client (JWT access token, ID token, refresh token) —
// run as a child process of the bench (oidc-provider is ESM-only). Loopback only.
//
// env: PORT, CLIENT_ID, CLIENT_SECRET, SIGNING_JWK (private RSA JWK, JSON), TTL (seconds),
//      CODE_CLIENT_ID, REDIRECT_URI (row 9), DATABASE_URL (row 9: store in Postgres, as in production)
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';
import pg from 'pg';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const ttl = Number(process.env.TTL ?? '300');

/**
 * The default in-memory adapter is an LRU of 1,000 entries, which would evict row 8's minted codes
 * and grants before their exchange; this one is a plain Map (the bench process is short-lived).
 */
const store = new Map();
class MapAdapter {
  constructor(name) {
    this.name = name;
  }
  key(id) {
    return `${this.name}:${id}`;
  }
  async upsert(id, payload) {
    store.set(this.key(id), payload);
  }
  async find(id) {
    return store.get(this.key(id));
  }
  async findByUid(uid) {
    for (const [k, v] of store) if (k.startsWith(`${this.name}:`) && v.uid === uid) return v;
    return undefined;
  }
  async findByUserCode() {
    return undefined;
  }
  async consume(id) {
    const v = store.get(this.key(id));
    if (v) v.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id) {
    store.delete(this.key(id));
  }
  async revokeByGrantId(grantId) {
    for (const [k, v] of store) if (v.grantId === grantId) store.delete(k);
  }
}

/**
 * What a production deployment of oidc-provider needs (its in-memory adapter is for development
 * only): codes, grants, sessions and refresh tokens in a database, here Postgres, one table keyed
 * by model and id with the lookups the adapter interface asks for (by grant id, uid, user code),
 * as the adapters in oidc-provider's examples do; the same pool size as auth-service (20).
 */
const pool = process.env.DATABASE_URL ? new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20, application_name: 'oidc-provider-bench' }) : null;
const TABLE = 'oidc_provider_models';
async function createTable() {
  await pool.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (
    model text NOT NULL, id text NOT NULL, payload jsonb NOT NULL, grant_id text, uid text, user_code text,
    expires_at timestamptz, consumed_at timestamptz, PRIMARY KEY (model, id))`);
  await pool.query(`CREATE INDEX IF NOT EXISTS ${TABLE}_grant ON ${TABLE} (grant_id)`);
  await pool.query(`CREATE INDEX IF NOT EXISTS ${TABLE}_uid ON ${TABLE} (uid)`);
  await pool.query(`CREATE INDEX IF NOT EXISTS ${TABLE}_user_code ON ${TABLE} (user_code)`);
}
class PostgresAdapter {
  constructor(name) {
    this.name = name;
  }
  async upsert(id, payload, expiresIn) {
    await pool.query(
      `INSERT INTO ${TABLE} (model, id, payload, grant_id, uid, user_code, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7::int IS NULL THEN NULL ELSE now() + make_interval(secs => $7::int) END)
       ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id, uid = EXCLUDED.uid,
         user_code = EXCLUDED.user_code, expires_at = EXCLUDED.expires_at`,
      [this.name, id, payload, payload.grantId ?? null, payload.uid ?? null, payload.userCode ?? null, expiresIn ?? null],
    );
  }
  async row(where, value) {
    const { rows } = await pool.query(
      `SELECT payload, consumed_at FROM ${TABLE} WHERE model = $1 AND ${where} = $2 AND (expires_at IS NULL OR expires_at > now())`,
      [this.name, value],
    );
    const row = rows[0];
    if (!row) return undefined;
    return row.consumed_at ? { ...row.payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : row.payload;
  }
  find(id) {
    return this.row('id', id);
  }
  findByUid(uid) {
    return this.row('uid', uid);
  }
  findByUserCode(userCode) {
    return this.row('user_code', userCode);
  }
  async consume(id) {
    await pool.query(`UPDATE ${TABLE} SET consumed_at = now() WHERE model = $1 AND id = $2`, [this.name, id]);
  }
  async destroy(id) {
    await pool.query(`DELETE FROM ${TABLE} WHERE model = $1 AND id = $2`, [this.name, id]);
  }
  async revokeByGrantId(grantId) {
    await pool.query(`DELETE FROM ${TABLE} WHERE grant_id = $1`, [grantId]);
  }
}
if (pool) await createTable();

const provider = new Provider(issuer, {
  adapter: pool ? PostgresAdapter : MapAdapter,
  clients: [
    {
      client_id: process.env.CLIENT_ID,
      client_secret: process.env.CLIENT_SECRET,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: process.env.CODE_CLIENT_ID ?? 'bench-app',
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: [process.env.REDIRECT_URI ?? 'http://127.0.0.1:9/cb'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
  ],
  findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
  issueRefreshToken: (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
  jwks: { keys: [JSON.parse(process.env.SIGNING_JWK ?? '{}')] },
  scopes: ['openid', 'offline_access', 'orders:read'],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'urn:gatehouse:orders',
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'orders:read',
        audience: 'orders',
        accessTokenTTL: ttl,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
});
provider.proxy = false;

/**
 * Row 8 needs authorization codes without a browser: `GET /bench/mint?n=` creates grants and codes
 * through the provider's own models (what its interaction endpoints would store after a sign-in
 * and consent) and returns `[{ code, verifier }]`.
 */
async function mint(n) {
  const client = await provider.Client.find(process.env.CODE_CLIENT_ID ?? 'bench-app');
  const out = [];
  for (let i = 0; i < n; i++) {
    const grant = new provider.Grant({ accountId: `bench-user-${i % 50}`, clientId: client.clientId });
    grant.addOIDCScope('openid offline_access');
    grant.addResourceScope('urn:gatehouse:orders', 'orders:read');
    const grantId = await grant.save();
    const verifier = randomBytes(32).toString('base64url');
    const code = new provider.AuthorizationCode({
      accountId: grant.accountId,
      client,
      grantId,
      redirectUri: client.redirectUris[0],
      scope: 'openid offline_access orders:read',
      resource: 'urn:gatehouse:orders',
      codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
      codeChallengeMethod: 'S256',
      authTime: Math.floor(Date.now() / 1000),
      nonce: randomBytes(8).toString('hex'),
    });
    out.push({ code: await code.save(), verifier });
  }
  return out;
}

const callback = provider.callback();
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', issuer);
  if (url.pathname !== '/bench/mint') return callback(req, res);
  mint(Math.min(Number(url.searchParams.get('n') ?? '1'), 20000)).then(
    (codes) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(codes)),
    (err) => res.writeHead(500).end(String(err)),
  );
});
server.listen(port, '127.0.0.1', () => process.stdout.write(`oidc-provider listening on ${issuer}\n`));
process.on('SIGTERM', () => server.close(() => void (pool ? pool.end() : Promise.resolve()).finally(() => process.exit(0))));
