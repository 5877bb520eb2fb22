import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { lookupDigests } from '../core/digest.js';
import { AppError } from '../core/errors.js';
import type { Keyring } from '../core/keyring.js';
import type { ApiKey, LeakPolicy, SlotName } from '../core/model.js';
import { parseSecret } from '../core/secret-format.js';
import {
  type SecretStatus,
  type SecretVerification,
  secretFingerprint,
} from '../core/secret-scan.js';
import { decideVerdict, type Verdict } from '../core/verify-decision.js';
import type { Clock } from '../ports/clock.js';
import type { KeyInvalidation } from '../ports/key-invalidation.js';
import type { Notifier } from '../ports/notifier.js';
import type { DigestMatch, Store } from '../ports/store.js';
import { raiseAlert } from './alert-monitor.js';
import type { KeyService } from './key-service.js';
import {
  auditOf,
  type InstitutionAccess,
  institutionAccess,
  type RequestContext,
  SYSTEM_CONTEXT,
} from './principal.js';

/** One reported secret, as GitHub's secret-scanning partner program sends it. */
export interface LeakReportItem {
  readonly token: string;
  readonly type: string;
  readonly url: string;
  readonly source: string;
}

/** GitHub's feedback format: whether each reported token was one of ours. */
export interface LeakFeedback {
  readonly token_raw: string;
  readonly token_type: string;
  readonly label: 'true_positive' | 'false_positive';
}

/** Who reported: GitHub (any institution), or a manage key (only its own institution). */
export type LeakReporter =
  | { readonly kind: 'github' }
  | { readonly kind: 'key'; readonly keyId: string; readonly institutionId: string };

export interface LeakServiceDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly keyring: Keyring;
  readonly secretPrefix: string;
  readonly keys: KeyService;
  readonly invalidation: KeyInvalidation;
  readonly notifier: Notifier | null;
  /** GitHub's public keys: key identifier → PEM (ECDSA P-256). */
  readonly githubPublicKeys: Readonly<Record<string, string>>;
}

/** Thrown inside a transaction to roll it back: the leak was already handled (a replay). */
class AlreadyHandled extends Error {}

/**
 * Leak reports (GitHub secret scanning, internal scanners). For each reported secret that is a
 * live slot, the institution's `leakPolicy` decides — regenerate only that slot (default),
 * suspend the key, or only notify — and in every case, in the same transaction: a critical
 * SECRET_LEAKED alert (queued for webhooks) and a `key.leak` audit event, done as Keyward itself.
 * A retired secret still inside its grace window is live too: under `regenerate-slot` its grace
 * ends at once. A replay changes nothing: a regenerated secret is retired, and an open alert for
 * the same secret version means the report was already handled.
 */
export class LeakService {
  readonly #githubKeys: ReadonlyMap<string, KeyObject>;

  constructor(private readonly deps: LeakServiceDeps) {
    this.#githubKeys = new Map(
      Object.entries(deps.githubPublicKeys).map(([id, pem]) => [id, createPublicKey(pem)]),
    );
  }

  /**
   * Checks GitHub's ECDSA P-256 SHA-256 signature (base64 DER) over the raw body;
   * LEAK_SIGNATURE_INVALID for a missing or unknown key identifier or a bad signature.
   */
  verifyGithubSignature(
    rawBody: Buffer,
    keyId: string | undefined,
    signature: string | undefined,
  ): void {
    const key = keyId === undefined ? undefined : this.#githubKeys.get(keyId);
    if (key === undefined || signature === undefined || signature === '') {
      throw new AppError('LEAK_SIGNATURE_INVALID', 'Unknown or missing public key identifier');
    }
    let ok = false;
    try {
      ok = verify('sha256', rawBody, key, Buffer.from(signature, 'base64'));
    } catch {
      ok = false;
    }
    if (!ok) throw new AppError('LEAK_SIGNATURE_INVALID', 'The signature does not match the body');
  }

  /** Handles a batch; answers one feedback entry per reported item, in order. */
  async report(reporter: LeakReporter, items: readonly LeakReportItem[]): Promise<LeakFeedback[]> {
    const labels = new Map<string, LeakFeedback['label']>();
    const out: LeakFeedback[] = [];
    for (const item of items) {
      let label = labels.get(item.token);
      if (label === undefined) {
        label = await this.#handle(reporter, item);
        labels.set(item.token, label);
      }
      out.push({ token_raw: item.token, token_type: item.type, label });
    }
    return out;
  }

  /**
   * `POST /leaks/check` (`keyward scan --verify`): what each secret is now, in order. Read-only.
   * Details follow visibility: the institution's members and manage keys see the key and slot,
   * platform operators the institution; anyone else only what the gateway would tell them.
   */
  async check(ctx: RequestContext, secrets: readonly string[]): Promise<SecretVerification[]> {
    const { store, keyring, secretPrefix, clock } = this.deps;
    const now = clock.now();
    const names = new Map<string, string | null>();
    const institutionName = async (id: string) => {
      if (!names.has(id)) names.set(id, (await store.institutions.get(id))?.name ?? null);
      return names.get(id) ?? id;
    };
    const out: SecretVerification[] = [];
    for (const secret of secrets) {
      const fingerprint = secretFingerprint(secret);
      const match = parseSecret(secret, secretPrefix).ok
        ? await store.keys.findByDigests(lookupDigests(secret, keyring))
        : null;
      // The gateway's own decision, without scope or address: is the secret usable at all?
      const verdict = decideVerdict(match, { now });
      const status = statusOf(verdict);
      const retired = verdict.valid ? undefined : verdict.retired;
      const institutionId = verdict.key?.institutionId ?? retired?.institutionId;
      let access: InstitutionAccess | null = null;
      if (institutionId !== undefined) {
        try {
          access = institutionAccess(ctx, institutionId);
        } catch {
          access = null;
        }
      }
      if (institutionId === undefined || access === null) {
        // What the gateway tells anyone holding the secret: works, inactive, or refused.
        const outside = status === 'retiring' ? 'live' : status === 'retired' ? 'unknown' : status;
        out.push({ fingerprint, status: outside });
        continue;
      }
      const entry: { -readonly [K in keyof SecretVerification]: SecretVerification[K] } = {
        fingerprint,
        status,
        institution: { id: institutionId, name: await institutionName(institutionId) },
      };
      if (access !== 'platform') {
        const keyId = verdict.key?.id ?? retired?.keyId;
        const key = verdict.key ?? (keyId === undefined ? null : await store.keys.get(keyId));
        if (key) entry.key = { id: key.id, name: key.name, state: key.state };
        const slot = verdict.slot?.slot ?? retired?.slot;
        if (slot !== undefined) entry.slot = slot;
        if (verdict.slot?.retiringUntil) entry.until = verdict.slot.retiringUntil.toISOString();
        if (status === 'retired' && retired) {
          const ended = retired.graceUntil ?? retired.retiredAt;
          entry.retiredAt = ended.toISOString();
        }
      }
      out.push(entry);
    }
    return out;
  }

  async #handle(reporter: LeakReporter, item: LeakReportItem): Promise<LeakFeedback['label']> {
    const { store, keyring, secretPrefix, clock } = this.deps;
    if (!parseSecret(item.token, secretPrefix).ok) return 'false_positive';
    const digests = lookupDigests(item.token, keyring);
    const match = await store.keys.findByDigests(digests);
    if (match === null) return 'false_positive';
    const institutionId =
      match.kind === 'slot' ? match.key.institutionId : match.retired.institutionId;
    // A manage key acts only on its own institution and learns nothing about others.
    if (reporter.kind === 'key' && reporter.institutionId !== institutionId) {
      return 'false_positive';
    }
    // Retired for good (regenerated or deleted): it was ours, nothing left to do.
    const target = leakTarget(match, clock.now());
    if (target === null) return 'true_positive';
    const changed = await this.#act(reporter, item, digests, target.subject).catch(
      (err: unknown) => {
        if (err instanceof AlreadyHandled) return null;
        throw err;
      },
    );
    if (changed !== null) await this.deps.invalidation.keyChanged(changed);
    return 'true_positive';
  }

  /** The policy, the alert and the audit in one transaction; the key id changed, or null. */
  async #act(reporter: LeakReporter, item: LeakReportItem, digests: string[], subject: string) {
    const { store, clock, keys, notifier } = this.deps;
    const now = clock.now();
    return store.transaction(async (tx): Promise<string | null> => {
      // Again inside the transaction: a concurrent report may have handled it.
      const match = await tx.keys.findByDigests(digests);
      const target = match === null ? null : leakTarget(match, now);
      if (target === null || target.subject !== subject) throw new AlreadyHandled();
      const { key, slot: slotName } = target;
      const institution = await tx.institutions.get(key.institutionId);
      const policy: LeakPolicy = institution?.settings.leakPolicy ?? 'regenerate-slot';
      const action =
        policy === 'notify'
          ? 'notified'
          : policy === 'suspend-key'
            ? key.state === 'active'
              ? 'key suspended'
              : 'none (key not active)'
            : target.retiringDigest !== undefined
              ? 'grace window ended'
              : 'slot regenerated';
      const reportedBy = reporter.kind === 'github' ? 'github' : `key:${reporter.keyId}`;
      const opened = await raiseAlert(tx, notifier, {
        finding: {
          type: 'SECRET_LEAKED',
          severity: 'critical',
          institutionId: key.institutionId,
          keyId: key.id,
          slot: slotName,
          // The secret's version: a second report of it while the alert is open is a replay.
          subject,
          at: now,
          evidence: {
            url: item.url,
            source: item.source,
            type: item.type,
            action,
            reportedBy,
          },
        },
        firstSeenAt: now,
        count: 1,
      });
      if (!opened) throw new AlreadyHandled();
      let changed = false;
      if (action === 'grace window ended') {
        // A retiring secret: the slot already holds a new one; the old one is refused from now.
        changed = await tx.keys.endGrace(target.retiringDigest as string, now);
      } else if (action === 'slot regenerated') {
        const current = await tx.keys.getSlot(key.id, slotName);
        if (!current) throw new AppError('INTERNAL', 'Key has lost a slot');
        await keys.replaceSlotIn(tx, SYSTEM_CONTEXT, key, current, now, {
          reason: 'leaked',
          url: item.url,
          source: item.source,
        });
        changed = true;
      } else if (action === 'key suspended') {
        const updated = await tx.keys.updateIfState(key.id, 'active', {
          state: 'suspended',
          updatedAt: now,
        });
        if (updated) {
          await tx.audit.append(
            auditOf(SYSTEM_CONTEXT, clock, 'key.suspend', {
              institutionId: key.institutionId,
              target: key.id,
              details: { changes: { state: 'suspended' }, reason: 'leaked', slot: slotName },
            }),
          );
          changed = true;
        }
      }
      await tx.audit.append(
        auditOf(SYSTEM_CONTEXT, clock, 'key.leak', {
          institutionId: key.institutionId,
          target: key.id,
          details: {
            slot: slotName,
            hint: target.hint,
            url: item.url,
            source: item.source,
            type: item.type,
            policy,
            action,
            reportedBy,
          },
        }),
      );
      return changed ? key.id : null;
    });
  }
}

/** A verdict as a secret's status (core/secret-scan.ts). */
function statusOf(verdict: Verdict): SecretStatus {
  switch (verdict.valid ? 'VALID' : verdict.code) {
    case 'SUSPENDED':
    case 'EXPIRED':
      return 'inactive';
    case 'RETIRED':
    case 'CANCELLED':
      return 'retired';
    case 'NOT_FOUND':
    case 'MALFORMED':
    case 'MISSING':
      return 'unknown';
    default:
      // Valid, or refused only for the request (scope, address, rate): the secret itself works.
      return verdict.slot?.retiringUntil ? 'retiring' : 'live';
  }
}

/** A reported secret that still authenticates, or could again: what a leak report acts on. */
interface LeakTarget {
  readonly key: ApiKey;
  readonly slot: SlotName;
  readonly hint: string;
  /** The secret's version (alert subject): a second report of the same version is a replay. */
  readonly subject: string;
  /** Set for a retired secret still inside its grace window. */
  readonly retiringDigest?: string;
}

/** The live slot, or the retiring secret, a match names; null when it is retired for good. */
function leakTarget(match: DigestMatch, now: Date): LeakTarget | null {
  if (match.kind === 'slot') {
    const { hint, generatedAt, slot } = match.slot;
    return { key: match.key, slot, hint, subject: `${hint}@${generatedAt.toISOString()}` };
  }
  const { retired, key } = match;
  if (key === undefined || retired.graceUntil === null || retired.graceUntil <= now) return null;
  return {
    key,
    slot: retired.slot,
    hint: retired.hint,
    subject: `${retired.hint}@retired:${retired.retiredAt.toISOString()}`,
    retiringDigest: retired.digest,
  };
}
