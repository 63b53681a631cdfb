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

/** A static file of ours the dashboard serves (the CSP allows scripts only from here). */
export interface StaticAsset {
  body: Buffer;
  type: string;
  version: string;
}

/**
 * The scripts served under /assets: ours (`passkeys.js`) and SimpleWebAuthn's browser bundle,
 * which the build copies to `assets/vendor/simplewebauthn/` and a source checkout finds in
 * node_modules.
 */
const SCRIPTS: Record<string, string[]> = {
  'passkeys.js': ['passkeys.js'],
  'vendor/simplewebauthn-browser.js': ['vendor/simplewebauthn/index.umd.min.js'],
};
const NODE_MODULES_BUNDLE = join('node_modules', '@simplewebauthn', 'browser', 'dist', 'bundle', 'index.umd.min.js');

/** The bundle in node_modules of this folder or any above it, from the working directory and from this file (tests, `nx serve`). */
function nodeModulesCandidates(): string[] {
  const out: string[] = [];
  for (const start of [process.cwd(), __dirname]) {
    for (let dir = start; ; dir = dirname(dir)) {
      out.push(join(dir, NODE_MODULES_BUNDLE));
      if (dirname(dir) === dir) break;
    }
  }
  return out;
}

const scripts = new Map<string, StaticAsset | null>();

/** One of the dashboard's scripts by its path under /assets, or null (unknown or not found). */
export function loadScript(name: string): StaticAsset | null {
  if (scripts.has(name)) return scripts.get(name) ?? null;
  const relative = SCRIPTS[name];
  if (!relative) return null;
  const files = [...assetCandidates().flatMap((dir) => relative.map((r) => join(dir, r))), ...(name.startsWith('vendor/') ? nodeModulesCandidates() : [])];
  const file = files.find((f) => existsSync(f));
  const asset = file ? { body: readFileSync(file), type: 'text/javascript; charset=utf-8', version: '' } : null;
  if (asset) asset.version = createHash('sha256').update(asset.body).digest('hex').slice(0, 12);
  scripts.set(name, asset);
  return asset;
}
