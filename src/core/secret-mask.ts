/**
 * Replaces anything shaped like a Keyward secret (`<prefix>_<36 base62>`) with its hint
 * (`<prefix>_…<last 4>`). Applied to text that may carry client input, such as a logged URL.
 */
const SECRET_SHAPE =
  /\b([a-z][a-z0-9_]{0,30}[a-z0-9])_[0-9A-Za-z]{32}([0-9A-Za-z]{4})(?![0-9A-Za-z])/g;

/**
 * A token of an imported legacy format (core/legacy-secret.ts: exactly 32 or 64 lower-case hex
 * characters, standing alone): it has no prefix to recognise it by, so every such token is
 * masked to its hint (`…<last 4>`). Longer or shorter hex runs (hashes, ids) are left alone.
 */
const LEGACY_SHAPE = /(?<![0-9A-Za-z_])(?:[0-9a-f]{60}|[0-9a-f]{28})([0-9a-f]{4})(?![0-9A-Za-z_])/g;

export function maskSecrets(text: string): string {
  return text.replace(SECRET_SHAPE, '$1_…$2').replace(LEGACY_SHAPE, '…$1');
}
