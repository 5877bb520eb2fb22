import { describe, expect, it } from 'vitest';
import { problem, runKeyward, testIo, useFakeAdminApi } from '../test-admin-api.js';

const PRIMARY = '3f2a9c4be1d04f7a8b6c5d2e1f0a9b8c';
const SECONDARY = 'c8b9a0f1e2d5c6b8a7f4d01eb4c9a2f3';

const slot = (hint: string) => ({
  hint,
  generatedAt: '2030-01-01T00:00:00.000Z',
  lastUsedAt: null,
  lastUsedFrom: null,
  lastUserAgent: null,
  imported: true,
});

const KEY = {
  id: 'key_1',
  institutionId: 'ins_1',
  name: 'from APIM',
  kind: 'use',
  state: 'active',
  scopes: ['messages'],
  allowedCidrs: [],
  expiresAt: null,
  rateLimit: null,
  createdAt: '2030-01-01T00:00:00.000Z',
  createdBy: 'usr_1',
  slots: { primary: slot('…9b8c'), secondary: slot('…a2f3') },
};

describe('keys import', () => {
  const fake = useFakeAdminApi();
  const run = (args: string[], options: Parameters<typeof testIo>[0] = {}) =>
    runKeyward(args, testIo({ env: fake.env, ...options }));
  const IMPORT = '/api/v1/institutions/ins_1/keys/import';

  it('reads both values from stdin, sends them in the body only, and prints no secret', async () => {
    fake.api.on('POST', IMPORT, { status: 201, body: { key: KEY } });
    const result = await run(
      ['keys', 'import', 'ins_1', '--name', 'from APIM', '--scope', 'messages', '--secrets-stdin'],
      { stdin: `${PRIMARY}\r\n${SECONDARY}\n` },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(fake.api.requests[0]?.body).toEqual({
      name: 'from APIM',
      primary: PRIMARY,
      secondary: SECONDARY,
      scopes: ['messages'],
    });
    expect(fake.api.requests[0]?.url).toBe(IMPORT);
    expect(result.stdout).toContain('Imported key key_1 "from APIM" in ins_1.');
    expect(result.stdout).toContain('…9b8c (imported)');
    for (const value of [PRIMARY, SECONDARY]) {
      expect(result.stdout).not.toContain(value);
      expect(result.stderr).not.toContain(value);
    }
  });

  it('asks for both values without echo on a terminal', async () => {
    fake.api.on('POST', IMPORT, { status: 201, body: { key: KEY } });
    const io = testIo({ env: fake.env, interactive: true, answers: [PRIMARY, SECONDARY] });
    const result = await runKeyward(['keys', 'import', 'ins_1', '--name', 'from APIM'], io);
    expect(result.code, result.stderr).toBe(0);
    expect(io.asked).toEqual(['Primary value: ', 'Secondary value: ']);
    expect(fake.api.requests[0]?.body).toMatchObject({ primary: PRIMARY, secondary: SECONDARY });
  });

  it('refuses to run without a way to read the values, and with one line only (exit 2)', async () => {
    const noTty = await run(['keys', 'import', 'ins_1', '--name', 'x']);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toContain('--secrets-stdin');
    const oneLine = await run(['keys', 'import', 'ins_1', '--name', 'x', '--secrets-stdin'], {
      stdin: `${PRIMARY}\n`,
    });
    expect(oneLine.code).toBe(2);
    expect(fake.api.requests).toEqual([]);
  });

  it('takes no value on the command line', async () => {
    const result = await run(['keys', 'import', 'ins_1', '--name', 'x', '--primary', PRIMARY]);
    expect(result.code).toBe(2);
    expect(fake.api.requests).toEqual([]);
  });

  it('a refused import exits 1 with the code and never the value', async () => {
    fake.api.on(
      'POST',
      IMPORT,
      problem(409, 'CONFLICT', 'The primary value is already known to Keyward', 'req_7'),
    );
    const result = await run(['keys', 'import', 'ins_1', '--name', 'x', '--secrets-stdin'], {
      stdin: `${PRIMARY}\n${SECONDARY}\n`,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('CONFLICT, request req_7');
    expect(result.stderr).not.toContain(PRIMARY);
  });
});
