import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { digestSecret } from '../../core/digest.js';
import { openSecret, sealSecret } from '../../core/envelope.js';
import { AppError } from '../../core/errors.js';
import type { Keyring } from '../../core/keyring.js';
import { addKeyringVersion, KEYRING_FILE_NAME, loadKeyring } from './file-keyring.js';

const posix = process.platform !== 'win32';
let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'keyward-keyring-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const b64 = (): string => randomBytes(32).toString('base64');

async function configError(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('CONFIG_INVALID');
    return err as AppError;
  }
  throw new Error('expected CONFIG_INVALID');
}

function material(keyring: Keyring): unknown {
  return {
    peppers: keyring.peppers.map((p) => [p.version, p.key.toString('hex')]),
    masterKeys: [...keyring.masterKeys.values()].map((m) => [m.id, m.key.toString('hex')]).sort(),
    currentPepper: keyring.currentPepper.version,
    currentMasterKey: keyring.currentMasterKey.id,
  };
}

describe('loadKeyring from a file', () => {
  it('generates keyring.json with mode 0600 in a new data dir, then reloads it identically', async () => {
    const dataDir = path.join(dir, 'nested', 'data');
    const first = await loadKeyring({ dataDir, generateIfMissing: true });
    const file = path.join(dataDir, KEYRING_FILE_NAME);
    expect(first.source).toBe('generated');
    expect(first.path).toBe(file);
    if (posix) expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect(first.keyring.currentPepper.version).toBe(1);
    expect(first.keyring.currentMasterKey.id).toBe('1');

    const json = JSON.parse(await fs.readFile(file, 'utf8'));
    expect(Object.keys(json.peppers)).toEqual(['1']);
    expect(Buffer.from(json.masterKeys['1'], 'base64')).toHaveLength(32);
    // No temp files left behind.
    expect(await fs.readdir(dataDir)).toEqual([KEYRING_FILE_NAME]);

    const second = await loadKeyring({ dataDir, generateIfMissing: true });
    expect(second.source).toBe('file');
    expect(material(second.keyring)).toEqual(material(first.keyring));
  });

  it('fails without a file when generation is off', async () => {
    const err = await configError(loadKeyring({ dataDir: dir, generateIfMissing: false }));
    expect(err.message).toContain(KEYRING_FILE_NAME);
    await expect(fs.readdir(dir)).resolves.toEqual([]);
  });

  it.runIf(posix)('refuses a file readable by group or others', async () => {
    await loadKeyring({ dataDir: dir, generateIfMissing: true });
    const file = path.join(dir, KEYRING_FILE_NAME);
    for (const mode of [0o640, 0o604, 0o660]) {
      await fs.chmod(file, mode);
      const err = await configError(loadKeyring({ dataDir: dir, generateIfMissing: true }));
      expect(err.message).toContain('chmod 600');
    }
    await fs.chmod(file, 0o400);
    await expect(loadKeyring({ dataDir: dir, generateIfMissing: false })).resolves.toMatchObject({
      source: 'file',
    });
  });

  it('refuses a corrupt file without echoing its content', async () => {
    const file = path.join(dir, KEYRING_FILE_NAME);
    const secret = b64();
    await fs.writeFile(file, `{"peppers":{"1":"${secret}"`, { mode: 0o600 });
    const err = await configError(loadKeyring({ dataDir: dir, generateIfMissing: true }));
    expect(err.message).not.toContain(secret);
    expect(err.message).not.toContain(secret.slice(0, 10));

    await fs.writeFile(
      file,
      JSON.stringify({ peppers: { '1': secret }, masterKeys: { '1': 'c2hvcnQ=' } }),
    );
    const short = await configError(loadKeyring({ dataDir: dir, generateIfMissing: true }));
    expect(short.message).toMatch(/master key 1/);
    expect(short.message).not.toContain('c2hvcnQ=');

    await fs.writeFile(file, JSON.stringify({ peppers: {}, masterKeys: { '1': secret } }));
    await configError(loadKeyring({ dataDir: dir, generateIfMissing: true }));
  });

  it('uses a file another process created first instead of overwriting it', async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, () => loadKeyring({ dataDir: dir, generateIfMissing: true })),
    );
    const reference = material((results[0] as { keyring: Keyring }).keyring);
    for (const result of results) expect(material(result.keyring)).toEqual(reference);
    const onDisk = await loadKeyring({ dataDir: dir, generateIfMissing: false });
    expect(material(onDisk.keyring)).toEqual(reference);
    expect(results.filter((r) => r.source === 'generated').length).toBeLessThanOrEqual(1);
    expect(await fs.readdir(dir)).toEqual([KEYRING_FILE_NAME]);
  });
});

describe('loadKeyring from the environment', () => {
  it('uses both variables when given, ignoring the file', async () => {
    await loadKeyring({ dataDir: dir, generateIfMissing: true });
    const p1 = b64();
    const p2 = b64();
    const m1 = b64();
    const loaded = await loadKeyring({
      dataDir: dir,
      pepperEnv: `1:${p1}, 2:${p2}`,
      masterKeyEnv: `1:${m1}`,
      generateIfMissing: true,
    });
    expect(loaded.source).toBe('env');
    expect(loaded.path).toBeUndefined();
    expect(loaded.keyring.currentPepper.version).toBe(2);
    expect(loaded.keyring.currentPepper.key.toString('base64')).toBe(p2);
    expect(loaded.keyring.peppers.map((p) => p.key.toString('base64'))).toEqual([p2, p1]);
    expect(loaded.keyring.currentMasterKey.key.toString('base64')).toBe(m1);
  });

  it('does not create a file when the environment provides the keyring', async () => {
    await loadKeyring({
      dataDir: dir,
      pepperEnv: `1:${b64()}`,
      masterKeyEnv: `1:${b64()}`,
      generateIfMissing: true,
    });
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it.each([
    ['not base64', '1:not base64!!'],
    ['wrong length', `1:${randomBytes(16).toString('base64')}`],
    ['missing version', b64()],
    ['bad version', `v1:${b64()}`],
    ['zero version', `0:${b64()}`],
    ['duplicate version', `1:${b64()},1:${b64()}`],
    ['empty list', ' , '],
  ])('refuses a bad pepper variable (%s) without echoing it', async (_name, pepperEnv) => {
    const err = await configError(
      loadKeyring({ dataDir: dir, pepperEnv, masterKeyEnv: `1:${b64()}`, generateIfMissing: true }),
    );
    for (const part of pepperEnv.split(/[,:]/).filter((p) => p.length > 8)) {
      expect(err.message).not.toContain(part);
    }
  });

  it('refuses only one of the two variables', async () => {
    await configError(
      loadKeyring({ dataDir: dir, pepperEnv: `1:${b64()}`, generateIfMissing: true }),
    );
    await configError(
      loadKeyring({ dataDir: dir, masterKeyEnv: `1:${b64()}`, generateIfMissing: true }),
    );
  });

  it('treats empty variables as unset', async () => {
    const loaded = await loadKeyring({
      dataDir: dir,
      pepperEnv: '',
      masterKeyEnv: ' ',
      generateIfMissing: true,
    });
    expect(loaded.source).toBe('generated');
  });
});

describe('addKeyringVersion', () => {
  it('adds new current versions and keeps the old ones working', async () => {
    const before = (await loadKeyring({ dataDir: dir, generateIfMissing: true })).keyring;
    const context = { institutionId: 'ins_1', keyId: 'key_1', slot: 'primary' as const };
    const secret = 'kw_live_abcdefghijklmnopqrstuvwxyzABCD4dNndU';
    const oldDigest = digestSecret(secret, before.currentPepper);
    const oldSealed = sealSecret(secret, context, before);

    const rotation = await addKeyringVersion(dir);
    expect(rotation.pepperVersion).toBe(2);
    expect(rotation.masterKeyId).toBe('2');
    if (posix) expect((await fs.stat(rotation.path)).mode & 0o777).toBe(0o600);

    const after = (await loadKeyring({ dataDir: dir, generateIfMissing: false })).keyring;
    expect(material(after)).toEqual(material(rotation.keyring));
    expect(after.currentPepper.version).toBe(2);
    expect(after.currentMasterKey.id).toBe('2');
    // Old material is unchanged.
    expect(after.peppers[1]?.key.equals(before.currentPepper.key)).toBe(true);
    expect(after.masterKeys.get('1')?.key.equals(before.currentMasterKey.key)).toBe(true);
    // Old digests are still found by lookups; old ciphertexts still open; new writes use v2.
    expect(after.peppers.map((p) => digestSecret(secret, p))).toContain(oldDigest);
    expect(openSecret(oldSealed, context, after)).toBe(secret);
    expect(sealSecret(secret, context, after).masterKeyId).toBe('2');

    const third = await addKeyringVersion(dir);
    expect(third.pepperVersion).toBe(3);
    expect(third.keyring.peppers.map((p) => p.version)).toEqual([3, 2, 1]);
    expect(await fs.readdir(dir)).toEqual([KEYRING_FILE_NAME]);
  });

  it('fails when there is no keyring file', async () => {
    await configError(addKeyringVersion(dir));
  });

  it('refuses to run while another rotation holds the lock', async () => {
    await loadKeyring({ dataDir: dir, generateIfMissing: true });
    await fs.writeFile(path.join(dir, 'keyring.json.lock'), '');
    const err = await configError(addKeyringVersion(dir));
    expect(err.message).toMatch(/in progress/);
  });

  it('does not lose a version when rotations race', async () => {
    await loadKeyring({ dataDir: dir, generateIfMissing: true });
    const outcomes = await Promise.allSettled([addKeyringVersion(dir), addKeyringVersion(dir)]);
    const done = outcomes.filter((o) => o.status === 'fulfilled').length;
    const keyring = (await loadKeyring({ dataDir: dir, generateIfMissing: false })).keyring;
    expect(keyring.peppers).toHaveLength(1 + done);
    expect(keyring.masterKeys.size).toBe(1 + done);
  });
});
