import { describe, expect, it } from 'vitest';
import { formatSecret, generateSecret, secretHint } from './secret-format.js';
import { scanText, secretFingerprint, secretPattern, toSarif } from './secret-scan.js';

const P = 'kw_live';

/** A look-alike: right shape, wrong checksum. */
function badChecksum(secret: string): string {
  const last = secret.slice(-1);
  return secret.slice(0, -1) + (last === 'A' ? 'B' : 'A');
}

describe('scanText', () => {
  it('finds a valid secret with its line, column, hint and fingerprint', () => {
    const s = generateSecret(P);
    const text = `first line\n  API_KEY="${s}"\n`;
    const found = scanText(text, P);
    expect(found).toEqual([
      { line: 2, column: 12, hint: secretHint(s, P), fingerprint: secretFingerprint(s) },
    ]);
    expect(found[0]?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(found)).not.toContain(s);
  });

  it('finds several secrets on one line and across lines, in order', () => {
    const a = generateSecret(P);
    const b = generateSecret(P);
    const c = generateSecret(P);
    const text = `${a} ${b}\r\nx=${c}`;
    expect(scanText(text, P).map((m) => [m.line, m.column, m.hint])).toEqual([
      [1, 1, secretHint(a, P)],
      [1, a.length + 2, secretHint(b, P)],
      [2, 3, secretHint(c, P)],
    ]);
  });

  it('never reports look-alikes whose checksum fails', () => {
    const s = generateSecret(P);
    const text = [badChecksum(s), `kw_live_${'a'.repeat(36)}`, `kw_live_${'0'.repeat(36)}`].join(
      '\n',
    );
    expect(scanText(text, P)).toEqual([]);
  });

  it('ignores wrong lengths, other prefixes and other vendors’ tokens', () => {
    const s = generateSecret(P);
    const text = [
      `${s}x`, // the body continues: not this format
      s.slice(0, -1),
      generateSecret('kw_test'),
      `ghp_${'A1b2C3d4'.repeat(4)}abcd`,
      'AKIAIOSFODNN7EXAMPLE',
      `sk_live_${'4eC39HqLyjWDarjtT1zdp7dc'}`,
      `xoxb-${'1234567890'}-abcdefghijklmnopqrstuvwx`,
    ].join('\n');
    expect(scanText(text, P)).toEqual([]);
  });

  it('supports a custom prefix (escaped in the pattern)', () => {
    const s = generateSecret('acme_prod');
    expect(scanText(`token: ${s}`, 'acme_prod')).toHaveLength(1);
    expect(scanText(`token: ${s}`, P)).toEqual([]);
    expect(secretPattern('a.b').source.startsWith('a\\.b_')).toBe(true);
  });

  it('finds a secret right after a failing look-alike that overlaps it', () => {
    const s = formatSecret(P, 'abcdefghijklmnopqrstuvwxyzABCD');
    const text = `kw_live_${s}`; // "kw_live_kw_live_…": the first candidate is not base62-only
    expect(scanText(text, P).map((m) => m.column)).toEqual([9]);
  });

  it('same secret, same fingerprint; different secrets, different fingerprints', () => {
    const a = generateSecret(P);
    const b = generateSecret(P);
    const found = scanText(`${a}\n${a}\n${b}`, P);
    expect(found[0]?.fingerprint).toBe(found[1]?.fingerprint);
    expect(found[0]?.fingerprint).not.toBe(found[2]?.fingerprint);
  });
});

describe('toSarif', () => {
  it('has the SARIF 2.1.0 shape', () => {
    const s = generateSecret(P);
    const [m] = scanText(`x ${s}`, P);
    const log = toSarif([{ file: 'src/a b.ts', ...(m as NonNullable<typeof m>) }], '1.2.3') as {
      version: string;
      $schema: string;
      runs: {
        tool: { driver: { name: string; rules: { id: string }[] } };
        results: Record<string, unknown>[];
      }[];
    };
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toContain('sarif');
    expect(log.runs).toHaveLength(1);
    expect(log.runs[0]?.tool.driver.name).toBe('keyward');
    expect(log.runs[0]?.tool.driver.rules.map((r) => r.id)).toEqual(['keyward/secret']);
    expect(log.runs[0]?.results[0]).toMatchObject({
      ruleId: 'keyward/secret',
      level: 'error',
      message: { text: expect.stringContaining(secretHint(s, P)) },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: 'src/a%20b.ts' },
            region: { startLine: 1, startColumn: 3 },
          },
        },
      ],
      partialFingerprints: { 'keywardSecret/v1': secretFingerprint(s) },
    });
    expect(JSON.stringify(log)).not.toContain(s);
  });
});
