import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

/**
 * Parses every document of a YAML file (or string), failing on the first syntax error with the
 * file name and line. Empty documents are dropped. `merge` enables `<<` keys (compose files).
 *
 * @throws Error naming the source and the YAML error
 */
export function parseYamlDocs(source: string, options: { text?: string; merge?: boolean } = {}): unknown[] {
  const text = options.text ?? readFileSync(source, 'utf8');
  const docs = parseAllDocuments(text, { merge: options.merge ?? false, prettyErrors: true, uniqueKeys: true });
  const out: unknown[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    const error = doc.errors[0];
    if (error) throw new Error(`${source}: ${error.message}`);
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}
