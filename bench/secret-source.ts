import { createHmac } from 'node:crypto';
import { BASE62_ALPHABET, formatSecret } from '../src/core/secret-format.js';

/**
 * Reproducible secrets for a seeded store: secret `n` is derived from a per-store seed, so the
 * seeder never has to keep 2,000,000 plaintexts and the benchmark can regenerate any of them.
 * Key `k` owns secrets `2k` (primary) and `2k + 1` (secondary). These are well-formed secrets
 * (prefix, 30 base62 characters, CRC-32 checksum) exactly like `generateSecret` makes; only the
 * randomness comes from HMAC-SHA256(seed, label ‖ n) instead of the CSPRNG.
 */
export class SecretSource {
  readonly #seed: Buffer;
  readonly prefix: string;

  constructor(seed: Buffer, prefix: string) {
    this.#seed = seed;
    this.prefix = prefix;
  }

  /** The seed, to hand to another process. */
  get seedHex(): string {
    return this.#seed.toString('hex');
  }

  #base62(label: string, n: number, length: number): string {
    const bytes = createHmac('sha256', this.#seed).update(`${label}:${n}`).digest();
    let out = '';
    // 32 bytes cover up to 32 characters; `% 62` is slightly biased, which a benchmark can afford.
    for (let i = 0; i < length; i++) out += BASE62_ALPHABET[(bytes[i] as number) % 62];
    return out;
  }

  /** Secret number `n` (0 ≤ n < 2 × keys). */
  secret(n: number): string {
    return formatSecret(this.prefix, this.#base62('secret', n, 30));
  }

  /** Key number `k`'s id (`key_` + 22 base62 characters, as `newId('key')`). */
  keyId(k: number): string {
    return `key_${this.#base62('key', k, 22)}`;
  }

  /** Institution number `i`'s id. */
  institutionId(i: number): string {
    return `ins_${this.#base62('ins', i, 22)}`;
  }
}

/**
 * `count` secret numbers spread over `[0, total)` without repetition while count ≤ total: a
 * stride by a large prime coprime with `total` visits every residue once per cycle, so a run
 * touches keys all over the store (and all over its B-trees), never just its first pages.
 */
export function spreadIndices(count: number, total: number): Uint32Array {
  const stride = coprimeStride(total);
  const out = new Uint32Array(count);
  let n = 0;
  for (let i = 0; i < count; i++) {
    out[i] = n;
    n = (n + stride) % total;
  }
  return out;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function coprimeStride(total: number): number {
  let stride = 2_654_435_761 % total || 1;
  while (gcd(stride, total) !== 1) stride = (stride + 1) % total || 1;
  return stride;
}

/** A random well-formed secret (valid checksum) that no store holds: a brute-force guess. */
export function randomGuess(prefix: string): string {
  let random = '';
  for (let i = 0; i < 30; i++) random += BASE62_ALPHABET[Math.floor(Math.random() * 62)];
  return formatSecret(prefix, random);
}
