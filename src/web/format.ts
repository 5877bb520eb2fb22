/** Display helpers: dates in the user's locale, lists, durations. */

export function formatDateTime(iso: string | null): string {
  if (!iso) return '—';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return at.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatList(items: readonly string[], empty = '—'): string {
  return items.length === 0 ? empty : items.join(', ');
}

/** Splits a field where the user typed items separated by commas, spaces or new lines. */
export function splitItems(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function formatRateLimit(rate: { limit: number; windowSeconds: number } | null): string {
  if (!rate) return 'none';
  const window =
    rate.windowSeconds === 1
      ? 'second'
      : rate.windowSeconds === 60
        ? 'minute'
        : rate.windowSeconds === 3600
          ? 'hour'
          : `${rate.windowSeconds} s`;
  return `${rate.limit} per ${window}`;
}

/** `datetime-local` input value (local time, minutes) ↔ ISO string. */
export function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const at = new Date(iso);
  const local = new Date(at.getTime() - at.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}

const RECENT_MS = 24 * 60 * 60 * 1000;

/** True when a slot carried traffic in the last 24 hours: regenerating it may break a client. */
export function usedRecently(lastUsedAt: string | null, now = Date.now()): boolean {
  if (!lastUsedAt) return false;
  return now - new Date(lastUsedAt).getTime() < RECENT_MS;
}
