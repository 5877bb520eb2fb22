// STUB — implemented by the core helper. Signatures are the contract.
/** scrypt, self-describing: `scrypt$N$r$p$salt$hash` (base64url). */
export async function hashPassword(_password: string): Promise<string> {
  throw new Error('not implemented');
}
/** Constant-time; false (never throws) for a malformed stored hash. */
export async function verifyPassword(_password: string, _stored: string): Promise<boolean> {
  throw new Error('not implemented');
}
/** A random 20-character password for generated accounts. */
export function generatePassword(): string {
  throw new Error('not implemented');
}
/** Null when acceptable, else a human reason (min 12 chars, max 1024). */
export function passwordProblem(_password: string): string | null {
  throw new Error('not implemented');
}
