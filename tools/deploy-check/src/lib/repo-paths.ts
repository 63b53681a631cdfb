import { join, resolve } from 'node:path';

/** Absolute path of the workspace root (this file lives in tools/deploy-check/src/lib). */
export const REPO_ROOT = resolve(__dirname, '../../../..');

/** Absolute path of a file or folder given relative to the workspace root. */
export function repoPath(...parts: string[]): string {
  return join(REPO_ROOT, ...parts);
}
