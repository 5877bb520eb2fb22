import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../core/errors.js';
import {
  buildKeyring,
  generateKeyMaterial,
  KEY_MATERIAL_BYTES,
  type Keyring,
} from '../../core/keyring.js';

/**
 * Loads the server's peppers and master keys from the environment (values handed in by the config
 * layer) or from `<dataDir>/keyring.json`, created with mode 0600 on first start.
 *
 * File format: `{"peppers":{"1":"<base64>"},"masterKeys":{"1":"<base64>"}}`.
 * Env format (both variables): `"1:<base64 32 bytes>,2:<base64>"`.
 *
 * Error messages name files, variables and versions, never key material.
 */
export const KEYRING_FILE_NAME = 'keyring.json';
const LOCK_FILE_NAME = 'keyring.json.lock';

export interface LoadKeyringOptions {
  readonly dataDir: string;
  /** Peppers as `"1:<base64>,2:<base64>"`. Used only together with `masterKeyEnv`. */
  readonly pepperEnv?: string;
  /** Master keys as `"1:<base64>,2:<base64>"`. Used only together with `pepperEnv`. */
  readonly masterKeyEnv?: string;
  /** Create the file (and `dataDir`) when neither env nor file provides a keyring. */
  readonly generateIfMissing: boolean;
}

export interface LoadedKeyring {
  readonly keyring: Keyring;
  readonly source: 'env' | 'file' | 'generated';
  /** The keyring file, for `file` and `generated`. */
  readonly path?: string;
}

interface KeyringFile {
  readonly peppers: Record<string, string>;
  readonly masterKeys: Record<string, string>;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const ID = /^[1-9][0-9]{0,8}$/;

function invalid(message: string): AppError {
  return new AppError('CONFIG_INVALID', message);
}

/** Strict base64 of exactly 32 bytes. `where` names the entry, never its value. */
function decodeKey(value: unknown, where: string): Buffer {
  if (typeof value !== 'string' || !BASE64.test(value)) {
    throw invalid(`${where} is not valid base64`);
  }
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length !== KEY_MATERIAL_BYTES) {
    throw invalid(`${where} must decode to ${KEY_MATERIAL_BYTES} bytes`);
  }
  return bytes;
}

/** `"1:<b64>,2:<b64>"` → id → key. */
function parseEnvList(value: string, variable: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const rawEntry of value.split(',')) {
    const entry = rawEntry.trim();
    if (entry === '') continue;
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon).trim();
    if (!ID.test(id)) {
      throw invalid(`${variable}: each entry must be "<version>:<base64 of 32 bytes>"`);
    }
    if (Object.hasOwn(out, id)) throw invalid(`${variable}: version ${id} appears twice`);
    out[id] = decodeKey(entry.slice(colon + 1).trim(), `${variable} version ${id}`);
  }
  if (Object.keys(out).length === 0) throw invalid(`${variable} has no entries`);
  return out;
}

function fromEnv(pepperEnv: string, masterKeyEnv: string): Keyring {
  return buildKeyring({
    peppers: parseEnvList(pepperEnv, 'pepper variable'),
    masterKeys: parseEnvList(masterKeyEnv, 'master key variable'),
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseFile(text: string, file: string): KeyringFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // JSON.parse messages quote the input, which here is key material.
    throw invalid(`${file} is not valid JSON`);
  }
  if (!isObject(data) || !isObject(data.peppers) || !isObject(data.masterKeys)) {
    throw invalid(`${file} must be {"peppers":{…},"masterKeys":{…}}`);
  }
  const section = (entries: Record<string, unknown>, name: string): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [id, value] of Object.entries(entries)) {
      if (!ID.test(id)) throw invalid(`${file}: ${name} id "${id}" must be a positive integer`);
      if (typeof value !== 'string')
        throw invalid(`${file}: ${name} ${id} must be a base64 string`);
      out[id] = value;
    }
    return out;
  };
  return {
    peppers: section(data.peppers, 'pepper'),
    masterKeys: section(data.masterKeys, 'master key'),
  };
}

function keyringFromFile(content: KeyringFile, file: string): Keyring {
  const decode = (entries: Record<string, string>, name: string): Record<string, Buffer> =>
    Object.fromEntries(
      Object.entries(entries).map(([id, value]) => [
        id,
        decodeKey(value, `${file}: ${name} ${id}`),
      ]),
    );
  return buildKeyring({
    peppers: decode(content.peppers, 'pepper'),
    masterKeys: decode(content.masterKeys, 'master key'),
  });
}

function errorCode(err: unknown): string | undefined {
  return isObject(err) && typeof err.code === 'string' ? err.code : undefined;
}

/**
 * Reads the file through one handle, so the permission check and the read see the same file.
 * Returns null when it does not exist. Refuses group/world access: the file holds every secret.
 */
async function readKeyringFile(file: string): Promise<KeyringFile | null> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return null;
    throw invalid(`Cannot read ${file} (${errorCode(err) ?? 'error'})`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw invalid(`${file} is not a regular file`);
    // POSIX permission bits only; Windows reports synthetic modes.
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      throw invalid(
        `${file} is accessible by group or others (mode ${(stat.mode & 0o777).toString(8)}); run: chmod 600 ${file}`,
      );
    }
    return parseFile(await handle.readFile('utf8'), file);
  } finally {
    await handle.close();
  }
}

function serialize(content: KeyringFile): string {
  return `${JSON.stringify(content, null, 2)}\n`;
}

async function fsyncDir(dir: string): Promise<void> {
  // Makes the new directory entry durable; not supported everywhere (Windows), where it is skipped.
  try {
    const handle = await fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}

/** Writes a 0600 temp file next to `file` and returns its path. */
async function writeTemp(file: string, text: string): Promise<string> {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await fs.open(
    temp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
    0o600,
  );
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fs.rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  return temp;
}

/**
 * Publishes `text` as `file` atomically without ever replacing an existing file: the complete temp
 * file is hard-linked into place (link fails with EEXIST, unlike rename). Returns false when the
 * file appeared meanwhile (another process started at the same moment).
 */
async function createExclusive(file: string, text: string): Promise<boolean> {
  const temp = await writeTemp(file, text);
  try {
    await fs.link(temp, file);
    return true;
  } catch (err) {
    if (errorCode(err) === 'EEXIST') return false;
    throw invalid(`Cannot create ${file} (${errorCode(err) ?? 'error'})`);
  } finally {
    await fs.rm(temp, { force: true });
    await fsyncDir(path.dirname(file));
  }
}

function newVersion(ids: readonly string[]): string {
  return String(ids.reduce((max, id) => Math.max(max, Number(id)), 0) + 1);
}

/**
 * The keyring from `pepperEnv` + `masterKeyEnv` when both are set (empty strings count as unset),
 * else from `<dataDir>/keyring.json`, else — with `generateIfMissing` — a new file (mode 0600).
 * Throws AppError CONFIG_INVALID for bad material, a file open to group/others, only one env
 * variable, or a missing file without `generateIfMissing`.
 */
export async function loadKeyring(options: LoadKeyringOptions): Promise<LoadedKeyring> {
  const pepperEnv = options.pepperEnv?.trim() ?? '';
  const masterKeyEnv = options.masterKeyEnv?.trim() ?? '';
  if (pepperEnv !== '' && masterKeyEnv !== '') {
    return { keyring: fromEnv(pepperEnv, masterKeyEnv), source: 'env' };
  }
  if (pepperEnv !== '' || masterKeyEnv !== '') {
    // Half a keyring from the env and half from a file would be easy to misconfigure silently.
    throw invalid('Set both the pepper and the master key variables, or neither');
  }

  const file = path.join(options.dataDir, KEYRING_FILE_NAME);
  const existing = await readKeyringFile(file);
  if (existing) return { keyring: keyringFromFile(existing, file), source: 'file', path: file };
  if (!options.generateIfMissing) {
    throw invalid(`No keyring: ${file} does not exist and no keyring variables are set`);
  }

  await fs.mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const content: KeyringFile = {
    peppers: { '1': generateKeyMaterial().toString('base64') },
    masterKeys: { '1': generateKeyMaterial().toString('base64') },
  };
  if (await createExclusive(file, serialize(content))) {
    return { keyring: keyringFromFile(content, file), source: 'generated', path: file };
  }
  // Another process created it first: never overwrite, use theirs so both agree.
  const theirs = await readKeyringFile(file);
  if (!theirs) throw invalid(`${file} appeared and vanished while being created`);
  return { keyring: keyringFromFile(theirs, file), source: 'file', path: file };
}

export interface KeyringRotation {
  readonly keyring: Keyring;
  readonly path: string;
  /** The new current pepper version. */
  readonly pepperVersion: number;
  /** The new current master key id. */
  readonly masterKeyId: string;
}

/**
 * Rotation: appends a new pepper version and a new master key to `<dataDir>/keyring.json`. New
 * writes use them after the next load; old versions stay, so existing digests still verify and
 * existing ciphertexts still decrypt. The file is replaced atomically (temp 0600 + rename) under
 * an exclusive lock file, so two concurrent rotations cannot lose a version.
 */
export async function addKeyringVersion(dataDir: string): Promise<KeyringRotation> {
  const file = path.join(dataDir, KEYRING_FILE_NAME);
  const lock = path.join(dataDir, LOCK_FILE_NAME);
  let lockHandle: fs.FileHandle;
  try {
    lockHandle = await fs.open(lock, 'wx', 0o600);
  } catch (err) {
    if (errorCode(err) === 'EEXIST') {
      throw invalid(`Another keyring rotation is in progress (if not, remove ${lock})`);
    }
    throw invalid(`Cannot lock ${file} (${errorCode(err) ?? 'error'})`);
  }
  try {
    const current = await readKeyringFile(file);
    if (!current) throw invalid(`No keyring file at ${file}`);
    // Validate what is there before extending it.
    keyringFromFile(current, file);
    const pepperVersion = newVersion(Object.keys(current.peppers));
    const masterKeyId = newVersion(Object.keys(current.masterKeys));
    const next: KeyringFile = {
      peppers: { ...current.peppers, [pepperVersion]: generateKeyMaterial().toString('base64') },
      masterKeys: {
        ...current.masterKeys,
        [masterKeyId]: generateKeyMaterial().toString('base64'),
      },
    };
    const temp = await writeTemp(file, serialize(next));
    try {
      await fs.rename(temp, file);
    } catch (err) {
      await fs.rm(temp, { force: true });
      throw invalid(`Cannot replace ${file} (${errorCode(err) ?? 'error'})`);
    }
    await fsyncDir(dataDir);
    return {
      keyring: keyringFromFile(next, file),
      path: file,
      pepperVersion: Number(pepperVersion),
      masterKeyId,
    };
  } finally {
    await lockHandle.close();
    await fs.rm(lock, { force: true });
  }
}
