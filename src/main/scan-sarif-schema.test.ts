import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKeyward, testIo } from '../cli/test-admin-api.js';
import { generateSecret } from '../core/secret-format.js';
import { type SecretFinding, toSarif } from '../core/secret-scan.js';
import { localCommands } from './local-commands.js';

/**
 * The SARIF 2.1.0 JSON schema as Microsoft publishes it (2.1.0-rtm.5, JSON Schema draft-04),
 * shipped in the npm package @microsoft/jest-sarif; validated with Ajv's draft-04 class.
 */
const require = createRequire(import.meta.url);
const schema = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json') as object;
// The schema's `language` pattern (`…{2}]?$`) is not valid with the `u` flag: plain RegExp, as
// the draft-04 validators the schema was written for used.
const ajv = new AjvDraft04.default({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats.default(ajv);
const validate = ajv.compile(schema);

function expectValid(log: unknown): void {
  const ok = validate(log);
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
}

const finding = (over: Partial<SecretFinding>): SecretFinding => ({
  file: 'src/config.ts',
  line: 3,
  column: 14,
  hint: 'kw_live_…9fQa',
  fingerprint: '0123456789abcdef',
  ...over,
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyward-sarif-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('SARIF output against the SARIF 2.1.0 JSON schema', () => {
  it('the schema rejects an invalid log (the validator is live)', () => {
    const log = toSarif([finding({})], '0.1.0') as { runs: { results: { level: string }[] }[] };
    (log.runs[0]?.results[0] as { level: string }).level = 'fatal';
    expect(validate(log)).toBe(false);
    expect(validate({ version: '2.1.0' })).toBe(false);
  });

  it('validates the core builder output: none, several, history, stdin, odd paths', () => {
    expectValid(toSarif([], '0.1.0'));
    expectValid(
      toSarif(
        [
          finding({}),
          finding({ file: 'docs/a b/ü#1.md', line: 1, column: 1 }),
          finding({ file: '-', line: 10, column: 2 }),
          finding({ file: 'old/.env', commit: 'a'.repeat(40) }),
          finding({ file: 'win\\path\\x.yml' }),
        ],
        '0.1.0',
      ),
    );
  });

  it('validates `keyward scan --sarif` output', async () => {
    const a = generateSecret('kw_live');
    const b = generateSecret('kw_live');
    await writeFile(join(dir, 'x.yml'), `token: ${a}\n`);
    await writeFile(join(dir, 'space name.env'), `\n\nK=${b}\n`);
    const r = await runKeyward(
      ['scan', '--sarif', '-C', dir, '.'],
      testIo({}),
      localCommands(() => {}),
    );
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout) as { runs: { results: unknown[] }[] };
    expect(log.runs[0]?.results).toHaveLength(2);
    expectValid(log);
  });
});
