import { Client } from 'pg';
import { createTestDatabase, dropDatabase } from '../index';

describe('createTestDatabase', () => {
  it('creates a connectable database and drops it', async () => {
    const db = await createTestDatabase('selftest');
    expect(db.name).toMatch(/^gh_test_selftest_[0-9a-f]{8}$/);
    const c = new Client({ connectionString: db.url });
    await c.connect();
    const { rows } = await c.query<{ d: string }>('SELECT current_database() AS d');
    expect(rows[0]?.d).toBe(db.name);
    await c.end();
    await db.drop();
    const probe = new Client({ connectionString: db.url });
    await expect(probe.connect()).rejects.toThrow(/does not exist/);
  });

  it('refuses to drop a database whose name lacks "test"', async () => {
    await expect(dropDatabase('gatehouse')).rejects.toThrow(/refusing/);
  });
});
