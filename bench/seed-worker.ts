import { parentPort, workerData } from 'node:worker_threads';
import { loadKeyring } from '../src/adapters/keyring/file-keyring.js';
import { digestSecret } from '../src/core/digest.js';
import { sealSecret } from '../src/core/envelope.js';
import { secretHint } from '../src/core/secret-format.js';
import { SecretSource } from './secret-source.js';
import type { SeedBatch, SeedBatchRequest, SeedWorkerData } from './seed-protocol.js';

/**
 * The seeder's CPU-heavy half, off the inserting thread: for a range of key numbers, the key id
 * and, per slot, the secret's digest, sealed copy and hint — exactly as the key service computes
 * them, with the data directory's own keyring.
 */

const data = workerData as SeedWorkerData;
const { keyring } = await loadKeyring({ dataDir: data.dir, generateIfMissing: false });
const secrets = new SecretSource(Buffer.from(data.seed, 'hex'), data.prefix);
const port = parentPort;
if (port === null) throw new Error('seed-worker.ts runs as a worker thread');

port.on('message', (request: SeedBatchRequest) => {
  const rows: string[] = [];
  for (let k = request.from; k < request.to; k++) {
    const keyId = secrets.keyId(k);
    const institutionId = secrets.institutionId(k % data.institutions);
    rows.push(keyId, institutionId);
    for (const slot of ['primary', 'secondary'] as const) {
      const secret = secrets.secret(slot === 'primary' ? 2 * k : 2 * k + 1);
      const sealed = sealSecret(secret, { institutionId, keyId, slot }, keyring);
      rows.push(
        digestSecret(secret, keyring.currentPepper),
        sealed.masterKeyId,
        sealed.ciphertext,
        secretHint(secret, data.prefix),
      );
    }
  }
  const batch: SeedBatch = { from: request.from, to: request.to, rows };
  port.postMessage(batch);
});
port.postMessage('ready');
