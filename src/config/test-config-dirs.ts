import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

/**
 * For config tests: returns `cwdWith(file?)`, which makes a working directory holding
 * `keyward.config.json` with `file` (none when undefined); each is removed after its test.
 */
export function tempConfigDirs(): (file?: unknown) => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return (file) => {
    const dir = mkdtempSync(join(tmpdir(), 'keyward-config-'));
    dirs.push(dir);
    if (file !== undefined) writeFileSync(join(dir, 'keyward.config.json'), JSON.stringify(file));
    return dir;
  };
}
