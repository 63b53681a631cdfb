import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Items with stock, and reservations made by services (one per order, idempotent). */
export class Inventory1763901000000 implements MigrationInterface {
  name = 'Inventory1763901000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE items (
        sku text PRIMARY KEY,
        name text NOT NULL,
        stock integer NOT NULL CHECK (stock >= 0)
      )`);
    await q.query(`
      CREATE TABLE reservations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        sku text NOT NULL REFERENCES items(sku),
        quantity integer NOT NULL CHECK (quantity > 0),
        order_id uuid NOT NULL UNIQUE,
        reserved_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Sample catalogue so a fresh system has something to order.
    await q.query(`INSERT INTO items (sku, name, stock) VALUES ('widget', 'Widget', 1000), ('gadget', 'Gadget', 500), ('gizmo', 'Gizmo', 5)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE reservations`);
    await q.query(`DROP TABLE items`);
  }
}
