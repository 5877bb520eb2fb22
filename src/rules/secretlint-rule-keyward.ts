import type { SecretLintRuleCreator, SecretLintSourceCode } from '@secretlint/types';
import { parseSecret, secretHint } from '../core/secret-format.js';
import { secretPattern } from '../core/secret-scan.js';

/**
 * A secretlint rule for Keyward secrets, shipped as `keyward/secretlint-rule`. Candidates come from
 * the same pattern `keyward scan` uses and each is validated with `parseSecret`, so look-alikes
 * whose CRC-32 checksum fails are never reported (a plain regex rule would report them).
 *
 * `.secretlintrc.json`: `{ "rules": [{ "id": "keyward/secretlint-rule" }] }`, or with other
 * prefixes: `{ "id": "keyward/secretlint-rule", "options": { "prefixes": ["kw_live", "kw_test"] } }`.
 */

export interface KeywardRuleOptions {
  /** Secret prefixes to look for (default `["kw_live"]`, Keyward's default `secretPrefix`). */
  readonly prefixes?: readonly string[];
}

export const RULE_ID = '@keyward/secretlint-rule-keyward';
export const DEFAULT_PREFIXES: readonly string[] = ['kw_live'];

const messages = {
  KEYWARD_SECRET: {
    en: (props: { HINT: string }) =>
      `found a Keyward API key secret (${props.HINT}, valid checksum): rotate or revoke the key`,
  },
};

function reportSecrets(
  source: SecretLintSourceCode,
  prefixes: readonly string[],
  report: (hint: string, range: readonly [number, number]) => void,
): void {
  const text = source.content;
  for (const prefix of prefixes) {
    if (!text.includes(`${prefix}_`)) continue;
    const pattern = secretPattern(prefix);
    for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
      const candidate = m[0];
      if (!parseSecret(candidate, prefix).ok) {
        // As in scanText: a failing look-alike may hide a real secret starting inside it.
        pattern.lastIndex = m.index + 1;
        continue;
      }
      report(secretHint(candidate, prefix), [m.index, m.index + candidate.length]);
    }
  }
}

export const creator: SecretLintRuleCreator<KeywardRuleOptions> = {
  messages,
  meta: {
    id: RULE_ID,
    type: 'scanner',
    recommended: true,
    supportedContentTypes: ['text'],
    docs: { url: 'https://github.com/keyward/keyward#rules-for-secretlint-and-gitleaks' },
  },
  create(context, options) {
    const t = context.createTranslator(messages);
    const prefixes = options?.prefixes?.length ? options.prefixes : DEFAULT_PREFIXES;
    return {
      file(source) {
        reportSecrets(source, prefixes, (hint, range) => {
          context.report({ message: t('KEYWARD_SECRET', { HINT: hint }), range });
        });
      },
    };
  },
};
