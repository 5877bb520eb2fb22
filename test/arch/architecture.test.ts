import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSourceTree, violations } from './import-rules.js';

describe('architecture: the dependency rule of DESIGN.md §4', () => {
  it('holds for every file under src/', () => {
    const files = readSourceTree(join(process.cwd(), 'src'));
    expect(files.length).toBeGreaterThan(40);
    expect(violations(files)).toEqual([]);
  });

  it('catches core doing I/O or using a framework', () => {
    const found = violations([
      {
        path: 'core/bad.ts',
        source: "import { readFileSync } from 'node:fs';\nimport Fastify from 'fastify';",
      },
    ]);
    expect(found).toEqual([
      'core/bad.ts → node:fs (core does no I/O)',
      'core/bad.ts → fastify (core may not use package fastify)',
    ]);
  });

  it('catches anything but main importing adapters', () => {
    const found = violations([
      {
        path: 'services/x-service.ts',
        source: "import { openSqliteStore } from '../adapters/sql/sqlite-store.js';",
      },
      {
        path: 'http/routes/y.ts',
        source: "import type { Foo } from '../../adapters/memory/foo.js';",
      },
      {
        path: 'main/server.ts',
        source: "import { openSqliteStore } from '../adapters/sql/sqlite-store.js';",
      },
    ]);
    expect(found).toEqual([
      'services/x-service.ts → ../adapters/sql/sqlite-store.js (services may not import adapters)',
      'http/routes/y.ts → ../../adapters/memory/foo.js (http may not import adapters)',
    ]);
  });

  it('lets tests and test support (excluded from the build) use test tools, but not shipped code', () => {
    const source = "import { beforeEach } from 'vitest';";
    expect(
      violations([
        { path: 'cli/test-admin-api.ts', source },
        { path: 'cli/http-client.test.ts', source },
        { path: 'cli/http-client.ts', source },
      ]),
    ).toEqual(['cli/http-client.ts → vitest (cli may not use package vitest)']);
  });

  it('catches core importing ports or services', () => {
    expect(
      violations([{ path: 'core/a.ts', source: "export { x } from '../services/b.js';" }]),
    ).toEqual(['core/a.ts → ../services/b.js (core may not import services)']);
  });
});
