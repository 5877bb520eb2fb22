/**
 * Replaces anything shaped like a Keyward secret (`<prefix>_<36 base62>`) with its hint
 * (`<prefix>_…<last 4>`). Applied to text that may carry client input, such as a logged URL.
 */
const SECRET_SHAPE =
  /\b([a-z][a-z0-9_]{0,30}[a-z0-9])_[0-9A-Za-z]{32}([0-9A-Za-z]{4})(?![0-9A-Za-z])/g;

export function maskSecrets(text: string): string {
  return text.replace(SECRET_SHAPE, '$1_…$2');
}
