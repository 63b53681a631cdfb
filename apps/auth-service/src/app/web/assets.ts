import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The dashboard's one stylesheet, loaded once. */
export interface Stylesheet {
  css: Buffer;
  /** Short content hash: cache-busting query and ETag. */
  version: string;
}

/**
 * Where `assets/` is: beside the webpack bundle (`dist/apps/auth-service/assets`, copied by the
 * build) or, when running from source (jest), `src/assets`.
 */
function assetCandidates(): string[] {
  const entry = process.argv[1] ? dirname(process.argv[1]) : null;
  return [join(__dirname, 'assets'), join(__dirname, '..', '..', 'assets'), ...(entry ? [join(entry, 'assets')] : [])];
}

let cached: Stylesheet | null | undefined;

/** The stylesheet, or null if no candidate folder has it (pages then render unstyled). */
export function loadStylesheet(): Stylesheet | null {
  if (cached !== undefined) return cached;
  const file = assetCandidates()
    .map((dir) => join(dir, 'app.css'))
    .find((f) => existsSync(f));
  if (!file) {
    cached = null;
    return cached;
  }
  const css = readFileSync(file);
  cached = { css, version: createHash('sha256').update(css).digest('hex').slice(0, 12) };
  return cached;
}

/** `/assets/app.css?v=<hash>`: a new stylesheet gets a new URL, so it can be cached for long. */
export function stylesheetHref(): string {
  const sheet = loadStylesheet();
  return sheet ? `/assets/app.css?v=${sheet.version}` : '/assets/app.css';
}
