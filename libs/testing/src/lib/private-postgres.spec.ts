import { Client } from 'pg';
import { privatePostgresAvailable, startPrivatePostgres } from './private-postgres';
import { createTestDatabase } from './test-database';

(privatePostgresAvailable() ? describe : describe.skip)('startPrivatePostgres', () => {
  it('serves test databases, comes back after a crash-like restart, and leaves nothing behind', async () => {
    const pg = await startPrivatePostgres();
    try {
      const db = await createTestDatabase('private_pg', pg.url);
      const query = async () => {
        const c = new Client({ connectionString: db.url });
        await c.connect();
        try {
          return (await c.query<{ port: string }>('SHOW port')).rows[0]?.port;
        } finally {
          await c.end();
        }
      };
      expect(await query()).toBe(String(pg.port));
      await pg.restart(200);
      expect(await query()).toBe(String(pg.port));
      await db.drop();
    } finally {
      await pg.dispose();
    }
    const down = new Client({ connectionString: pg.url, connectionTimeoutMillis: 2000 });
    await expect(down.connect()).rejects.toThrow();
  }, 60_000);
});
