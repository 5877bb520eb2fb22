import type { Migration, MigrationProvider } from 'kysely';
import type { SqlColumnTypes } from '../sql-dialect.js';
import { initialMigration } from './001-initial.js';
import { slotUsageMigration } from './002-slot-usage.js';
import { usageAlertsMigration } from './003-usage-alerts.js';
import { webhooksMigration } from './004-webhooks.js';
import { rotationsMigration } from './005-rotations.js';
import { retiredGraceMigration } from './006-retired-grace.js';
import { sharesMigration } from './007-shares.js';
import { importedSlotsMigration } from './008-imported-slots.js';

/**
 * Every migration, in order, under its permanent name. Statically imported (no directory
 * scanning), so they ship inside the bundle. Never rename or edit one that has been released:
 * add the next number instead.
 */
export function keywardMigrations(types: SqlColumnTypes): Record<string, Migration> {
  return {
    '001_initial': initialMigration(types),
    '002_slot_usage': slotUsageMigration,
    '003_usage_alerts': usageAlertsMigration,
    '004_webhooks': webhooksMigration,
    '005_rotations': rotationsMigration,
    '006_retired_grace': retiredGraceMigration,
    '007_shares': sharesMigration,
    '008_imported_slots': importedSlotsMigration(types),
  };
}

export class StaticMigrationProvider implements MigrationProvider {
  constructor(private readonly migrations: Record<string, Migration>) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    return this.migrations;
  }
}
