import type { Kysely, Updateable } from 'kysely';
import type { ApiKey, KeyState, RetiredSecret, SecretSlot, SlotName } from '../../core/model.js';
import type { ApiKeyPatch, ApiKeyRepo, DigestMatch, SlotUse } from '../../ports/store.js';
import {
  fromApiKey,
  fromRateLimit,
  fromRetired,
  fromSlot,
  toApiKey,
  toMs,
  toMsOrNull,
  toRetired,
  toSlot,
  toVerifiedSlot,
} from './row-mappers.js';
import type { ApiKeysTable, Database } from './schema.js';
import type { SqlDialect } from './sql-dialect.js';
import { conflictAs, inTransaction } from './sql-support.js';

const SLOT_BATCH = 500;
/** Keys, their two secret slots and retired secrets. Never sees or stores a plaintext secret. */
/** A faster, committed-data-only lookup some dialects offer for the root store (not transactions). */
export interface DigestLookup {
  findByDigests(digests: readonly string[]): DigestMatch | null;
}

export class SqlApiKeyRepo implements ApiKeyRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: SqlDialect,
    private readonly lookup?: DigestLookup,
  ) {}

  async insert(key: ApiKey, slots: readonly SecretSlot[]): Promise<void> {
    await conflictAs(this.dialect, 'API key or secret digest', () =>
      inTransaction(this.db, async (trx) => {
        await trx.insertInto('api_keys').values(fromApiKey(key)).execute();
        if (slots.length > 0) {
          await trx.insertInto('key_slots').values(slots.map(fromSlot)).execute();
        }
      }),
    );
  }

  async get(id: string): Promise<ApiKey | null> {
    const row = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toApiKey(row) : null;
  }

  async listByInstitution(institutionId: string): Promise<ApiKey[]> {
    const rows = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('institution_id', '=', institutionId)
      .where('state', '!=', 'cancelled')
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toApiKey);
  }

  update(id: string, patch: ApiKeyPatch): Promise<ApiKey | null> {
    return this.write(id, patch, null);
  }

  updateIfState(id: string, ifState: KeyState, patch: ApiKeyPatch): Promise<ApiKey | null> {
    return this.write(id, patch, ifState);
  }

  /** One UPDATE … RETURNING; with `ifState`, the WHERE makes it a guarded write. */
  private async write(
    id: string,
    patch: ApiKeyPatch,
    ifState: KeyState | null,
  ): Promise<ApiKey | null> {
    const values: Updateable<ApiKeysTable> = { updated_at: toMs(patch.updatedAt) };
    if (patch.name !== undefined) values.name = patch.name;
    if (patch.scopes !== undefined) values.scopes = JSON.stringify(patch.scopes);
    if (patch.allowedCidrs !== undefined) values.allowed_cidrs = JSON.stringify(patch.allowedCidrs);
    if (patch.expiresAt !== undefined) values.expires_at = toMsOrNull(patch.expiresAt);
    if (patch.rateLimit !== undefined) values.rate_limit = fromRateLimit(patch.rateLimit);
    if (patch.state !== undefined) values.state = patch.state;
    if (patch.deletedAt !== undefined) values.deleted_at = toMsOrNull(patch.deletedAt);
    let query = this.db.updateTable('api_keys').set(values).where('id', '=', id);
    if (ifState !== null) query = query.where('state', '=', ifState);
    const row = await query.returningAll().executeTakeFirst();
    return row ? toApiKey(row) : null;
  }

  async getSlots(keyId: string): Promise<SecretSlot[]> {
    const rows = await this.db
      .selectFrom('key_slots')
      .selectAll()
      .where('key_id', '=', keyId)
      // 'primary' < 'secondary': primary first.
      .orderBy('slot')
      .execute();
    return rows.map(toSlot);
  }

  async getSlotsOfKeys(keyIds: readonly string[]): Promise<SecretSlot[]> {
    const slots: SecretSlot[] = [];
    // Chunked: SQLite and PostgreSQL both cap the number of bound parameters per statement.
    for (let i = 0; i < keyIds.length; i += SLOT_BATCH) {
      const rows = await this.db
        .selectFrom('key_slots')
        .selectAll()
        .where('key_id', 'in', keyIds.slice(i, i + SLOT_BATCH))
        .orderBy('key_id')
        .orderBy('slot')
        .execute();
      slots.push(...rows.map(toSlot));
    }
    return slots;
  }

  async getSlot(keyId: string, slot: SlotName): Promise<SecretSlot | null> {
    const row = await this.db
      .selectFrom('key_slots')
      .selectAll()
      .where('key_id', '=', keyId)
      .where('slot', '=', slot)
      .executeTakeFirst();
    return row ? toSlot(row) : null;
  }

  /** Upsert on (key_id, slot): every column takes the new secret's value, including last use. */
  async replaceSlot(slot: SecretSlot): Promise<void> {
    const { key_id: _keyId, slot: _slot, ...replacement } = fromSlot(slot);
    await conflictAs(this.dialect, 'secret digest', () =>
      this.db
        .insertInto('key_slots')
        .values(fromSlot(slot))
        .onConflict((oc) => oc.columns(['key_id', 'slot']).doUpdateSet(replacement))
        .execute(),
    );
  }

  async deleteSlots(keyId: string): Promise<void> {
    await this.db.deleteFrom('key_slots').where('key_id', '=', keyId).execute();
  }

  async insertRetired(retired: RetiredSecret): Promise<void> {
    await conflictAs(this.dialect, 'retired secret', () =>
      this.db.insertInto('retired_secrets').values(fromRetired(retired)).execute(),
    );
  }

  async endGrace(digest: string, at: Date): Promise<boolean> {
    const atMs = toMs(at);
    const result = await this.db
      .updateTable('retired_secrets')
      .set({ grace_until: atMs })
      .where('digest', '=', digest)
      .where('grace_until', '>', atMs)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async listRetired(keyId: string): Promise<RetiredSecret[]> {
    const rows = await this.db
      .selectFrom('retired_secrets')
      .selectAll()
      .where('key_id', '=', keyId)
      .orderBy('retired_at', 'desc')
      .orderBy('digest')
      .execute();
    return rows.map(toRetired);
  }

  /**
   * At most two indexed reads (live slots joined to their key, then retired secrets), each one
   * `digest IN (…)` on a unique index. A live slot wins; among several hits the digest listed
   * first (the current pepper version, by convention) wins.
   */
  async findByDigests(digests: readonly string[]): Promise<DigestMatch | null> {
    if (this.lookup) return this.lookup.findByDigests(digests);
    const wanted = [...new Set(digests)];
    if (wanted.length === 0) return null;
    const rank = (digest: string): number => wanted.indexOf(digest);

    const live = await this.db
      .selectFrom('key_slots')
      .innerJoin('api_keys', 'api_keys.id', 'key_slots.key_id')
      .selectAll('api_keys')
      .select([
        'key_slots.key_id',
        'key_slots.slot',
        'key_slots.digest',
        'key_slots.digest_version',
        'key_slots.hint',
        'key_slots.generated_at',
        // Whether a legacy-format value may match the slot (core/legacy-secret.ts).
        'key_slots.imported',
      ])
      .where('key_slots.digest', 'in', wanted)
      .execute();
    const slotRow = live.sort((a, b) => rank(a.digest) - rank(b.digest))[0];
    if (slotRow) return { kind: 'slot', key: toApiKey(slotRow), slot: toVerifiedSlot(slotRow) };

    const retired = await this.db
      .selectFrom('retired_secrets')
      .selectAll()
      .where('digest', 'in', wanted)
      .execute();
    const retiredRow = retired.sort((a, b) => rank(a.digest) - rank(b.digest))[0];
    if (!retiredRow) return null;
    const match = { kind: 'retired' as const, retired: toRetired(retiredRow) };
    // Inside a grace window the secret still authenticates: verification needs its key.
    if (retiredRow.grace_until === null) return match;
    const key = await this.get(retiredRow.key_id);
    return key ? { ...match, key } : match;
  }

  /**
   * Guarded write: last use only moves forward, so out-of-order reports from several gateway
   * nodes never make a slot look less recently used than it was.
   */
  async touchSlot(keyId: string, slot: SlotName, use: SlotUse): Promise<void> {
    const atMs = toMs(use.at);
    await this.db
      .updateTable('key_slots')
      .set({ last_used_at: atMs, last_used_from: use.from, last_user_agent: use.userAgent })
      .where('key_id', '=', keyId)
      .where('slot', '=', slot)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', atMs)]))
      .execute();
  }
}
