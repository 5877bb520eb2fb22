/** Messages between the seeder (seed-store.ts) and its worker threads (seed-worker.ts). */

export interface SeedWorkerData {
  readonly dir: string;
  readonly seed: string;
  readonly prefix: string;
  readonly institutions: number;
}

export interface SeedBatchRequest {
  readonly from: number;
  readonly to: number;
}

/** Per key: keyId, institutionId, then per slot (primary, secondary): digest, masterKeyId, ciphertext, hint. */
export interface SeedBatch {
  readonly from: number;
  readonly to: number;
  readonly rows: string[];
}

export const SEED_FIELDS_PER_KEY = 10;
