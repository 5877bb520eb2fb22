import { createHash } from 'node:crypto';
import { BODY_LENGTH, parseSecret, secretHint } from './secret-format.js';

/**
 * Finding leaked secrets in text (pure: the file walking lives in src/scan). Candidates come from a
 * regex built from the secret format — `<prefix>_` followed by exactly BODY_LENGTH base62
 * characters — and each is validated with `parseSecret`, so look-alikes whose CRC-32 fails are
 * never reported. A match never carries the secret itself: only its hint and a fingerprint.
 */

export interface SecretMatch {
  /** 1-based line number. */
  readonly line: number;
  /** 1-based column (UTF-16 code units) of the first character of the secret. */
  readonly column: number;
  /** `kw_live_…9fQa`. */
  readonly hint: string;
  /** First 16 hex characters of SHA-256 of the secret, for deduplication. */
  readonly fingerprint: string;
}

export interface SecretFinding extends SecretMatch {
  /** Path (or `-` for standard input) the secret was found in. */
  readonly file: string;
  /** For history scans: the commit that introduced the blob. */
  readonly commit?: string;
  /** With `--verify`: what the Keyward server says about the secret. */
  readonly verification?: SecretVerification;
  /** With `--report`: whether the server acted on it as a leak (`handled`) or it was not its own. */
  readonly report?: 'handled' | 'not-ours';
}

/** A secret found by `keyward scan --report`, reported as leaked. */
export interface LeakToReport {
  readonly secret: string;
  /** Where it was found first: `path:line`, or `commit:path:line` in history. */
  readonly location: string;
}

/**
 * What a Keyward server says about a secret as the gateway would treat it now:
 * - `live`: it authenticates;
 * - `retiring`: it was regenerated but authenticates until `until` (grace window);
 * - `inactive`: its key is suspended or expired (it would authenticate again if reactivated);
 * - `retired`: regenerated or deleted, refused for good;
 * - `unknown`: not a secret of this server (or, for a caller who may not see its institution, a
 *   retired one: the gateway does not tell those apart either).
 */
export const SECRET_STATUSES = ['live', 'retiring', 'inactive', 'retired', 'unknown'] as const;
export type SecretStatus = (typeof SECRET_STATUSES)[number];

/** `POST /leaks/check`'s answer for one secret: details only where the caller may see them. */
export interface SecretVerification {
  /** `secretFingerprint` of the secret checked (never the secret). */
  readonly fingerprint: string;
  readonly status: SecretStatus;
  /** Members, manage keys of the institution and platform operators. */
  readonly institution?: { readonly id: string; readonly name: string };
  /** Members and manage keys of the institution only. */
  readonly key?: { readonly id: string; readonly name: string; readonly state: string };
  readonly slot?: 'primary' | 'secondary';
  /** `retiring`: the end of the grace window. */
  readonly until?: string;
  /** `retired`: when the secret stopped authenticating. */
  readonly retiredAt?: string;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The candidate pattern for `prefix` (global; not anchored; the body must not continue). */
export function secretPattern(prefix: string): RegExp {
  return new RegExp(`${escapeRegExp(prefix)}_[0-9A-Za-z]{${BODY_LENGTH}}(?![0-9A-Za-z])`, 'g');
}

/** SHA-256 of the secret, hex, first 16 characters. */
export function secretFingerprint(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 16);
}

/**
 * Every valid secret with `prefix` in `text`, with its position. With `secrets`, each secret found
 * is also kept there by fingerprint (`keyward scan --verify` sends them to the server).
 */
export function scanText(
  text: string,
  prefix: string,
  secrets?: Map<string, string>,
): SecretMatch[] {
  const matches: SecretMatch[] = [];
  if (!text.includes(`${prefix}_`)) return matches;
  const pattern = secretPattern(prefix);
  let line = 1;
  let lineStart = 0;
  let cursor = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    const candidate = m[0];
    if (!parseSecret(candidate, prefix).ok) {
      // A failing look-alike may hide a real secret starting inside it (e.g. a doubled prefix).
      pattern.lastIndex = m.index + 1;
      continue;
    }
    for (; cursor < m.index; cursor++) {
      if (text.charCodeAt(cursor) === 10) {
        line++;
        lineStart = cursor + 1;
      }
    }
    const fingerprint = secretFingerprint(candidate);
    secrets?.set(fingerprint, candidate);
    matches.push({
      line,
      column: m.index - lineStart + 1,
      hint: secretHint(candidate, prefix),
      fingerprint,
    });
  }
  return matches;
}

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const SARIF_RULE_ID = 'keyward/secret';

/** A SARIF 2.1.0 log with one run for `findings`. */
export function toSarif(findings: readonly SecretFinding[], toolVersion: string): unknown {
  return {
    version: '2.1.0',
    $schema: SARIF_SCHEMA,
    runs: [
      {
        tool: {
          driver: {
            name: 'keyward',
            version: toolVersion,
            informationUri: 'https://github.com/keyward/keyward',
            rules: [
              {
                id: SARIF_RULE_ID,
                name: 'LeakedKeywardSecret',
                shortDescription: { text: 'A Keyward API key secret (valid checksum)' },
                fullDescription: {
                  text: 'A string in the Keyward secret format whose checksum is valid: revoke or rotate the key it belongs to.',
                },
                defaultConfiguration: { level: 'error' },
              },
            ],
          },
        },
        results: findings.map((f) => ({
          ruleId: SARIF_RULE_ID,
          ruleIndex: 0,
          level: 'error',
          message: {
            text: `Keyward secret ${f.hint} found${f.commit ? ` (commit ${f.commit})` : ''}${
              f.verification ? `, ${f.verification.status} on the server` : ''
            }: rotate or revoke the key.`,
          },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: sarifUri(f.file) },
                region: { startLine: f.line, startColumn: f.column },
              },
            },
          ],
          partialFingerprints: { 'keywardSecret/v1': f.fingerprint },
          ...(f.verification && { properties: { keyward: f.verification } }),
        })),
      },
    ],
  };
}

/** Relative paths with forward slashes, each segment percent-encoded as a URI reference. */
function sarifUri(file: string): string {
  if (file === '-') return 'stdin';
  return file
    .replace(/\\/g, '/')
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
}
