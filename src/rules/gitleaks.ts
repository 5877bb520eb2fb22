import { BODY_LENGTH, isValidPrefix } from '../core/secret-format.js';

/**
 * The gitleaks rule for Keyward secrets, generated from the secret format so it never drifts from
 * it; `rules/gitleaks.toml` is this function's output for the default prefix (a test checks).
 * Gitleaks cannot verify the CRC-32 checksum, so it may report look-alikes that `keyward scan`
 * and the secretlint rule drop.
 */

/**
 * Minimum Shannon entropy (bits per character) of the whole secret. A generated `kw_live_` secret
 * scores ≈ 4.7–5.3; English-like placeholders (`kw_live_xxxxxxxx…`) score far lower.
 */
export const GITLEAKS_ENTROPY = 3.5;

function escapeRe2(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The RE2 pattern: group 1 is the secret; the body must not continue (RE2 has no look-ahead). */
export function gitleaksRegex(prefix: string): string {
  return `(${escapeRe2(prefix)}_[0-9A-Za-z]{${BODY_LENGTH}})(?:[^0-9A-Za-z]|$)`;
}

function tomlString(s: string): string {
  return JSON.stringify(s); // TOML basic strings accept JSON escapes for this ASCII content
}

/** A gitleaks config (extending the default rules) with one rule per prefix. */
export function gitleaksToml(prefixes: readonly string[] = ['kw_live']): string {
  const lines = [
    '# Generated from src/rules/gitleaks.ts (the Keyward secret format): do not edit by hand.',
    '# Usage: gitleaks git --config node_modules/keyward/rules/gitleaks.toml',
    'title = "Keyward"',
    '',
    '[extend]',
    'useDefault = true',
  ];
  for (const prefix of prefixes) {
    if (!isValidPrefix(prefix)) throw new Error(`Invalid secret prefix: ${prefix}`);
    lines.push(
      '',
      '[[rules]]',
      `id = ${tomlString(`keyward-secret-${prefix.replaceAll('_', '-')}`)}`,
      `description = ${tomlString(`Keyward API key secret (${prefix}_ + ${BODY_LENGTH} base62 characters; the last 6 are a CRC-32 checksum that gitleaks does not verify)`)}`,
      `regex = '''${gitleaksRegex(prefix)}'''`,
      'secretGroup = 1',
      `entropy = ${GITLEAKS_ENTROPY}`,
      `keywords = [${tomlString(`${prefix}_`)}]`,
    );
  }
  return `${lines.join('\n')}\n`;
}
