// The peer for row 3: node-oidc-provider configured for the same grant as Gatehouse's
// client_credentials (RS256 JWT access tokens, typ at+jwt, one audience, one scope), run as a
// child process of the bench (oidc-provider is ESM-only). Loopback only.
//
// env: PORT, CLIENT_ID, CLIENT_SECRET, SIGNING_JWK (private RSA JWK, JSON), TTL (seconds)
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const ttl = Number(process.env.TTL ?? '300');

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.CLIENT_ID,
      client_secret: process.env.CLIENT_SECRET,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [JSON.parse(process.env.SIGNING_JWK ?? '{}')] },
  scopes: ['orders:read'],
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

const server = provider.listen(port, '127.0.0.1', () => process.stdout.write(`oidc-provider listening on ${issuer}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
