import { SLOT_NAMES } from '../../core/model.js';
import {
  formatRateLimit,
  type KeyClientsView,
  type KeyView,
  type SecretPair,
  type SlotView,
} from '../api-types.js';
import type { RemoteContext } from '../remote-command.js';
import { cell, formatDetails, formatTable } from '../table.js';

/** Human output of the `keys` commands. Only `printSecrets` ever shows a secret. */

/** A slot's hint, marked when its secret was imported in a legacy format (rotate it soon). */
export function slotHint(slot: SlotView | undefined): string | undefined {
  return slot?.imported ? `${slot.hint} (imported)` : slot?.hint;
}

export function printKeyDetails(ctx: RemoteContext, key: KeyView): void {
  ctx.print(
    formatDetails([
      ['ID', key.id],
      ['Name', key.name],
      ['Institution', key.institutionId],
      ['Kind', key.kind],
      ['State', key.state],
      ['Scopes', key.scopes],
      ['Allowed CIDRs', key.allowedCidrs?.length ? key.allowedCidrs : 'any address'],
      ['Expires', key.expiresAt ?? 'never'],
      ['Rate limit', key.rateLimit ? formatRateLimit(key.rateLimit) : 'none'],
      ['Created', `${cell(key.createdAt)} by ${cell(key.createdBy)}`],
    ]),
  );
  ctx.print('');
  ctx.print(
    formatTable(
      ['SLOT', 'HINT', 'GENERATED', 'LAST USED', 'FROM', 'USER AGENT'],
      SLOT_NAMES.map((slot) => {
        const s = key.slots?.[slot];
        return [
          slot,
          slotHint(s),
          s?.generatedAt,
          s?.lastUsedAt ?? 'never',
          s?.lastUsedFrom,
          s?.lastUserAgent,
        ];
      }),
    ),
  );
}

export function printSecrets(ctx: RemoteContext, secrets: Partial<SecretPair>): void {
  const rows = SLOT_NAMES.filter((slot) => secrets[slot] !== undefined).map((slot) => [
    slot,
    secrets[slot],
  ]);
  ctx.print(formatTable(['SLOT', 'SECRET'], rows));
}

export function printClients(ctx: RemoteContext, view: KeyClientsView): void {
  const rows = SLOT_NAMES.flatMap((slot) =>
    (view.slots?.[slot] ?? []).map((c) => [
      slot,
      c.address,
      c.userAgent,
      c.firstSeenAt,
      c.lastSeenAt,
      String(c.requests),
    ]),
  );
  if (rows.length === 0) {
    ctx.print('No client seen yet (the gateway writes what it sees every 5 seconds).');
    return;
  }
  ctx.print(
    formatTable(['SLOT', 'ADDRESS', 'USER AGENT', 'FIRST SEEN', 'LAST SEEN', 'REQUESTS'], rows),
  );
}
