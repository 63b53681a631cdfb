import { Client } from 'pg';
import { bulkLoad, createTestDatabase, type TestDatabase } from '../index';

describe('bulkLoad', () => {
  let db: TestDatabase;
  let client: Client;

  beforeAll(async () => {
    db = await createTestDatabase('bulkload');
    client = new Client({ connectionString: db.url });
    await client.connect();
    await client.query('CREATE TABLE parent (id int PRIMARY KEY)');
    await client.query('CREATE TABLE child (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES parent(id), code text UNIQUE)');
    await client.query('CREATE INDEX child_parent ON child (parent_id)');
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  const schema = async () =>
    (await client.query<{ d: string }>(`SELECT indexdef AS d FROM pg_indexes WHERE tablename IN ('parent', 'child') ORDER BY indexname`)).rows.map((r) => r.d);

  it('loads with indexes and keys dropped, then rebuilds exactly the same ones', async () => {
    const before = await schema();
    let during: string[] = [];
    await bulkLoad(client, ['child'], async () => {
      during = await schema();
      await client.query(`INSERT INTO parent SELECT i FROM generate_series(1, 100) i`);
      await client.query(`INSERT INTO child SELECT i, 1 + i % 100, 'c' || i FROM generate_series(1, 10000) i`);
    }, { dropKeysOf: ['child'] });
    expect(during).toEqual(before.filter((d) => d.includes(' ON public.parent ')));
    expect(await schema()).toEqual(before);
    expect((await client.query('SELECT count(*)::int AS n FROM child')).rows[0]).toEqual({ n: 10000 });
    // Foreign keys are enforced again afterwards.
    await expect(client.query(`INSERT INTO child VALUES (20000, 999, 'x')`)).rejects.toThrow(/foreign key/);
  });

  it('refuses a database whose name lacks "test"', async () => {
    const other = new Client({ connectionString: db.url.replace(/\/[^/]+$/, '/postgres') });
    await other.connect();
    try {
      await expect(bulkLoad(other, ['child'], async () => undefined)).rejects.toThrow(/refusing/);
    } finally {
      await other.end();
    }
  });
});
