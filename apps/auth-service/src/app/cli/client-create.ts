import type { INestApplicationContext } from '@nestjs/common';
import { parseArgs } from 'node:util';
import { ClientsService } from '../clients/clients.service';

/**
 * `client create --id ID --audience A [--audience B] --scope S [--scope T] [--name N]`:
 * registers a service client and prints its secret once, as JSON on stdout.
 */
export async function clientCreate(app: INestApplicationContext, argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      id: { type: 'string' },
      name: { type: 'string' },
      audience: { type: 'string', multiple: true },
      scope: { type: 'string', multiple: true },
    },
    strict: true,
  });
  if (!values.id) throw new Error('client create: --id is required');
  const { client, clientSecret } = await app.get(ClientsService).register({
    id: values.id,
    ...(values.name ? { name: values.name } : {}),
    audiences: values.audience ?? [],
    scopes: values.scope ?? [],
  });
  process.stdout.write(
    JSON.stringify({ client_id: client.id, client_secret: clientSecret, audiences: client.audiences, scopes: client.scopes }) + '\n',
  );
}
