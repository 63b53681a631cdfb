import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** A throw-away Postgres database for one test file. */
export interface TestDatabase {
  /** Database name; always contains `test`. */
  readonly name: string;
  /** Connection URL for the new database. */
  readonly url: string;
  /** Drops the database, terminating leftover connections. Safe to call twice. */
  drop(): Promise<void>;
}

const SERVER_URL = process.env['TEST_DATABASE_SERVER_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Creates an empty database named `gh_test_<prefix>_<random>` on the local server.
 *
 * @param prefix - short label for the test file, `[a-z0-9_]`
 * @param serverUrl - the server's maintenance database URL; default the shared local server
 * @throws Error if the resulting name would not contain `test` (guards against dropping real data)
 * @example
 * const db = await createTestDatabase('login');
 * afterAll(() => db.drop());
 */
export async function createTestDatabase(prefix: string, serverUrl = SERVER_URL): Promise<TestDatabase> {
  const safePrefix = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 20);
  const name = `gh_test_${safePrefix}_${randomBytes(4).toString('hex')}`;
  assertTestName(name);
  await withServer(serverUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      await dropDatabase(name, serverUrl);
    },
  };
}

/**
 * Drops a test database by name.
 *
 * @param name - must contain `test`
 * @param serverUrl - as for {@link createTestDatabase}
 * @throws Error if the name lacks `test`
 */
export async function dropDatabase(name: string, serverUrl = SERVER_URL): Promise<void> {
  assertTestName(name);
  await withServer(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

function assertTestName(name: string): void {
  if (!name.includes('test') || !/^[a-z0-9_]+$/.test(name)) {
    throw new Error(`refusing to touch database "${name}": test databases must contain "test"`);
  }
}

async function withServer<T>(serverUrl: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
