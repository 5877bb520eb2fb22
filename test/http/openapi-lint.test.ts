import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestKeyward, type TestKeyward } from '../support/harness.js';

const run = promisify(execFile);
let kw: TestKeyward;

beforeAll(async () => {
  kw = await startTestKeyward();
});
afterAll(async () => kw?.stop());

describe('GET /api/v1/openapi.json', () => {
  it('is an OpenAPI 3.1 document that passes `redocly lint` with no errors or warnings', async () => {
    const res = await fetch(`${kw.url}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/api/v1/keys/{keyId}/regenerate');
    const file = join(kw.dataDir, 'openapi.json');
    await writeFile(file, JSON.stringify(doc));
    const bin = join(process.cwd(), 'node_modules', '.bin', 'redocly');
    const result = await run(bin, ['lint', file, '--format=json'], { cwd: kw.dataDir }).catch(
      (err: { stdout: string; stderr: string; code: number }) => err,
    );
    const report = JSON.parse(result.stdout.slice(result.stdout.indexOf('{'))) as {
      totals: { errors: number; warnings: number };
      problems: { ruleId: string; message: string }[];
    };
    const found = report.problems.map((p) => `${p.ruleId}: ${p.message}`).join('\n');
    expect(report.totals, found).toEqual(expect.objectContaining({ errors: 0, warnings: 0 }));
  }, 120_000);
});
