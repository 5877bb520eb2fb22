import BetterSqlite3 from 'better-sqlite3';
import type { Selectable } from 'kysely';
import type { DigestMatch } from '../../ports/store.js';
import { toApiKey, toRetired, toSlot } from './row-mappers.js';
import type { ApiKeysTable, KeySlotsTable, RetiredSecretsTable } from './schema.js';

/**
 * The verification hot path's lookup on SQLite: a second, read-only connection with two
 * statements prepared once. Kysely prepares every query anew, which cost half of an uncached
 * verification. Being its own connection (WAL: readers never wait for the writer), it only ever
 * sees committed data — never a write transaction of the admin API that may still roll back.
 */
export class SqliteDigestLookup {
  readonly #db: BetterSqlite3.Database;
  readonly #slot: BetterSqlite3.Statement<
    [string],
    Selectable<ApiKeysTable> & Selectable<KeySlotsTable>
  >;
  readonly #retired: BetterSqlite3.Statement<[string], Selectable<RetiredSecretsTable>>;

  constructor(file: string, busyTimeoutMs: number) {
    this.#db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
    this.#db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    // Same row shape as the Kysely query (`selectAll` over the join).
    this.#slot = this.#db.prepare(
      'select * from key_slots inner join api_keys on api_keys.id = key_slots.key_id where key_slots.digest = ?',
    );
    this.#retired = this.#db.prepare('select * from retired_secrets where digest = ?');
  }

  /** Same contract as ApiKeyRepo.findByDigests: earlier digests win, a live slot beats retired. */
  findByDigests(digests: readonly string[]): DigestMatch | null {
    for (const digest of digests) {
      const row = this.#slot.get(digest);
      if (row) return { kind: 'slot', key: toApiKey(row), slot: toSlot(row) };
    }
    for (const digest of digests) {
      const row = this.#retired.get(digest);
      if (row) return { kind: 'retired', retired: toRetired(row) };
    }
    return null;
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}
