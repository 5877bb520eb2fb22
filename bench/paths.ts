import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root, whether this module runs from bench/ or from its transpiled copy in
 * bench/.cache/build/bench/ (see run.mjs): the nearest directory holding bench/run.mjs.
 */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'bench', 'run.mjs'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the repository root (bench/run.mjs)');
    dir = parent;
  }
  return dir;
}

export const REPO_ROOT = findRoot();
/** Everything the benchmark keeps between runs (gitignored). */
export const CACHE_DIR = join(REPO_ROOT, 'bench', '.cache');
/** The built web console, served by the admin API as in production. */
export const CONSOLE_DIR = join(REPO_ROOT, 'dist', 'web');
