import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateSecret } from '../core/secret-format.js';
import { GITLEAKS_ENTROPY, gitleaksRegex, gitleaksToml } from './gitleaks.js';

const COMMITTED = join(
  resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'),
  'rules',
  'gitleaks.toml',
);

/** Shannon entropy in bits per character, as gitleaks computes it. */
function shannon(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / s.length) * Math.log2(n / s.length);
  return h;
}

describe('gitleaks rule', () => {
  it('rules/gitleaks.toml is the generator output (KEYWARD_UPDATE_RULES=1 rewrites it)', () => {
    const generated = gitleaksToml();
    if (process.env.KEYWARD_UPDATE_RULES === '1') writeFileSync(COMMITTED, generated);
    expect(readFileSync(COMMITTED, 'utf8')).toBe(generated);
  });

  it('has id, description, regex with a secret group, keywords and entropy', () => {
    const toml = gitleaksToml(['kw_live', 'kw_test']);
    expect(toml).toContain('[extend]\nuseDefault = true');
    expect(toml).toContain('id = "keyward-secret-kw-live"');
    expect(toml).toContain('id = "keyward-secret-kw-test"');
    expect(toml).toContain("regex = '''(kw_live_[0-9A-Za-z]{36})(?:[^0-9A-Za-z]|$)'''");
    expect(toml).toContain('secretGroup = 1');
    expect(toml).toContain('keywords = ["kw_test_"]');
    expect(toml).toMatch(/^entropy = 3\.5$/m);
    expect(toml).toMatch(/^description = ".+"$/m);
    expect(() => gitleaksToml(['Bad'])).toThrow();
  });

  it('the regex (RE2-compatible subset) captures exactly the secret', () => {
    const re = new RegExp(gitleaksRegex('kw_live'), 'g');
    const a = generateSecret('kw_live');
    const b = generateSecret('kw_live');
    const text = `x='${a}'\n${b}\nkw_live_${'A'.repeat(37)}\nkw_test_${'A'.repeat(36)}`;
    expect([...text.matchAll(re)].map((m) => m[1])).toEqual([a, b]);
  });

  it('every generated secret clears the entropy threshold; placeholders do not', () => {
    let min = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 2000; i++) min = Math.min(min, shannon(generateSecret('kw_live')));
    expect(min).toBeGreaterThan(GITLEAKS_ENTROPY);
    expect(shannon(`kw_live_${'x'.repeat(36)}`)).toBeLessThan(GITLEAKS_ENTROPY);
    expect(shannon(`kw_live_${'ab'.repeat(18)}`)).toBeLessThan(GITLEAKS_ENTROPY);
  });
});
