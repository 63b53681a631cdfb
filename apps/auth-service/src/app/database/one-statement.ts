import type { EntityManager } from 'typeorm';

/** One SQL statement and its parameters, numbered `$1…$n` within `text`. */
export interface SqlStatement {
  text: string;
  params: unknown[];
}

/**
 * Runs data-modifying statements as a single statement, each as a CTE: they commit together in one
 * round trip, atomically, without BEGIN/COMMIT. They must not read each other's effects (every CTE
 * sees the same snapshot); foreign keys are checked at the end of the statement, so a row may
 * reference one a sibling inserts. `$` may appear in the texts only as a placeholder.
 *
 * @throws Error when `statements` is empty
 */
export async function runAsOneStatement(em: EntityManager, statements: readonly SqlStatement[]): Promise<void> {
  if (statements.length === 0) throw new Error('runAsOneStatement: nothing to run');
  const params: unknown[] = [];
  const ctes = statements.map((s, i) => {
    const offset = params.length;
    params.push(...s.params);
    return `s${i} AS (${s.text.replace(/\$(\d+)/g, (_, n: string) => `$${offset + Number(n)}`)})`;
  });
  await em.query(`WITH ${ctes.join(', ')} SELECT 1`, params);
}
