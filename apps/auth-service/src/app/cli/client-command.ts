import type { INestApplicationContext } from '@nestjs/common';
import { parseArgs } from 'node:util';
import type { ClientGrantType, TokenEndpointAuthMethod } from '@gatehouse/contracts';
import { clientDocument } from '../clients/client-document';
import type { ClientMetadataInput } from '../clients/client-metadata';
import { ClientsService } from '../clients/clients.service';
import { parseExchangeTarget, type ExchangePolicy } from '../clients/exchange-policy';

/** `client create --help` (and `client update`). */
export const CLIENT_CREATE_HELP = `usage: main.js client create --id ID [options]
       main.js client update --id ID [options]

create registers a client and prints it as JSON on stdout (a confidential client's secret
appears this once). update replaces the metadata of an existing client with what the options
say (the secret stays; public stays public). Logs go to stderr.

  --id ID                          client_id: ^[a-z][a-z0-9._-]{2,63}$ (required)
  --name NAME                      client_name shown on the consent page
  --audience A                     resource audience its tokens may carry (repeatable)
  --scope S                        scope it may obtain (repeatable, or space-separated)
  --redirect-uri URI               authorization code redirect URI, exact match (repeatable);
                                   https, or http on 127.0.0.1 / [::1] (native apps)
  --post-logout-redirect-uri URI   where RP-initiated logout may return (repeatable)
  --backchannel-logout-uri URI     receives OIDC back-channel logout tokens
  --grant-type G                   authorization_code | refresh_token | client_credentials (repeatable);
                                   default: authorization_code refresh_token with a redirect URI,
                                   client_credentials without
  --public                         public client (SPA, mobile): no secret, PKCE only
  --auth-method M                  client_secret_basic (default) | client_secret_post
  --first-party                    trusted app: no consent screen
  --exchange-subject-audience A    token exchange (RFC 8693): the audience user tokens must carry to be
                                   exchanged by this client (the service it runs)
  --exchange 'AUD=SCOPE… [requires SCOPE…]'
                                   token exchange target (repeatable): the scopes it may obtain at AUD,
                                   and the scopes the user's token must hold for that
  --help                           this text

examples:
  main.js client create --id billing --audience orders --scope orders:read
  main.js client create --id orders-service --audience inventory --scope inventory:reserve \\
    --exchange-subject-audience orders --exchange 'inventory=inventory:reserve requires orders:write'
  main.js client create --id my-spa --public --redirect-uri https://app.example.com/callback \\
    --scope "openid email offline_access orders:read" --audience orders`;

/** Registers (`create`) or re-describes (`update`) a client from flags; prints its JSON document on stdout. */
export async function clientCommand(app: INestApplicationContext, action: 'create' | 'update', argv: string[]): Promise<void> {
  const { id, metadata } = metadataFromFlags(argv);
  const clients = app.get(ClientsService);
  if (action === 'create') {
    const { client, clientSecret } = await clients.register({ id, ...metadata });
    process.stdout.write(JSON.stringify(clientDocument(client, clientSecret)) + '\n');
    return;
  }
  const client = await clients.update(id, metadata);
  if (!client) throw new Error(`client update: no active client ${id}`);
  process.stdout.write(JSON.stringify(clientDocument(client)) + '\n');
}

function metadataFromFlags(argv: string[]): { id: string; metadata: ClientMetadataInput } {
  const { values } = parseArgs({
    args: argv,
    options: {
      id: { type: 'string' },
      name: { type: 'string' },
      audience: { type: 'string', multiple: true },
      scope: { type: 'string', multiple: true },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      'backchannel-logout-uri': { type: 'string' },
      'grant-type': { type: 'string', multiple: true },
      public: { type: 'boolean' },
      'auth-method': { type: 'string' },
      'first-party': { type: 'boolean' },
      'exchange-subject-audience': { type: 'string' },
      exchange: { type: 'string', multiple: true },
    },
    strict: true,
  });
  if (!values.id) throw new Error('client: --id is required (see --help)');
  const method = values.public ? 'none' : (values['auth-method'] ?? 'client_secret_basic');
  return {
    id: values.id,
    metadata: {
      name: values.name,
      audiences: values.audience ?? [],
      scopes: (values.scope ?? []).flatMap((s) => s.split(' ')).filter(Boolean),
      redirectUris: values['redirect-uri'],
      postLogoutRedirectUris: values['post-logout-redirect-uri'],
      backchannelLogoutUri: values['backchannel-logout-uri'] ?? null,
      grantTypes: values['grant-type'] as ClientGrantType[] | undefined,
      tokenEndpointAuthMethod: method as TokenEndpointAuthMethod,
      firstParty: values['first-party'] ?? false,
      tokenExchange: exchangeFromFlags(values['exchange-subject-audience'], values.exchange ?? []),
    },
  };
}

function exchangeFromFlags(subjectAudience: string | undefined, targets: string[]): ExchangePolicy | null {
  if (subjectAudience === undefined && targets.length === 0) return null;
  return {
    subjectAudience: subjectAudience ?? '',
    targets: targets.map((t) => {
      const target = parseExchangeTarget(t);
      if (!target) throw new Error(`client: --exchange must look like 'inventory=inventory:reserve requires orders:write'`);
      return target;
    }),
  };
}
