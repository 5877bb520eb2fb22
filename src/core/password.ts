import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { randomBase62 } from './secret-format.js';

/** Cost parameters for new hashes (≈ 32 MiB, ~100 ms). Stored hashes carry their own. */
export const SCRYPT_PARAMS = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });
const SALT_BYTES = 16;
const HASH_BYTES = 32;
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 1024;
const GENERATED_LENGTH = 20;

/**
 * Bounds on parameters read back from storage, so an edited row cannot make verification
 * allocate gigabytes or spin for minutes.
 */
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;
const MAX_MEMORY = 256 * 1024 * 1024;

interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; Node's default maxmem (32 MiB) is exactly that at N=2^15, r=8,
  // and the check is strict, so allow twice the need.
  const maxmem = 2 * 128 * params.N * params.r + 1024 * 1024;
  // NFKC so the same password typed on different keyboards/OSes hashes the same (NIST 800-63B).
  const normalized = password.normalize('NFKC');
  return new Promise((resolve, reject) => {
    scrypt(normalized, salt, HASH_BYTES, { ...params, maxmem }, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });
}

/** scrypt, self-describing: `scrypt$N$r$p$salt$hash` (base64url). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const { N, r, p } = SCRYPT_PARAMS;
  const hash = await derive(password, salt, SCRYPT_PARAMS);
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

const INTEGER = /^[1-9][0-9]{0,9}$/;

function decodeB64url(text: string): Buffer | null {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}

function parseStored(
  stored: string,
): { readonly params: ScryptParams; readonly salt: Buffer; readonly hash: Buffer } | null {
  if (typeof stored !== 'string') return null;
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [, nText, rText, pText, saltText, hashText] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!INTEGER.test(nText) || !INTEGER.test(rText) || !INTEGER.test(pText)) return null;
  const N = Number(nText);
  const r = Number(rText);
  const p = Number(pText);
  // N must be a power of two greater than 1.
  if (N < 2 || N > MAX_N || (N & (N - 1)) !== 0 || r > MAX_R || p > MAX_P) return null;
  if (128 * N * r > MAX_MEMORY) return null;
  const salt = decodeB64url(saltText);
  const hash = decodeB64url(hashText);
  if (!salt || salt.length < SALT_BYTES || !hash || hash.length !== HASH_BYTES) return null;
  return { params: { N, r, p }, salt, hash };
}

/** Constant-time; false (never throws) for a malformed stored hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseStored(stored);
  if (!parsed || typeof password !== 'string') return false;
  try {
    const candidate = await derive(password, parsed.salt, parsed.params);
    return timingSafeEqual(candidate, parsed.hash);
  } catch {
    return false;
  }
}

/** A random 20-character password for generated accounts. */
export function generatePassword(): string {
  return randomBase62(GENERATED_LENGTH);
}

/** Null when acceptable, else a human reason (min 12 chars, max 1024). */
export function passwordProblem(password: string): string | null {
  if (typeof password !== 'string') return 'Password must be a string';
  // Count code points, not UTF-16 units, so an emoji is one character as the user sees it.
  let length = 0;
  for (const _ of password) {
    length++;
    if (length > PASSWORD_MAX_LENGTH) break;
  }
  if (length < PASSWORD_MIN_LENGTH) {
    return `Password must be at least ${PASSWORD_MIN_LENGTH} characters`;
  }
  if (length > PASSWORD_MAX_LENGTH) {
    return `Password must be at most ${PASSWORD_MAX_LENGTH} characters`;
  }
  return null;
}
