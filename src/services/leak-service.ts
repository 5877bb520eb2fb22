import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { lookupDigests } from '../core/digest.js';
import { AppError } from '../core/errors.js';
import type { Keyring } from '../core/keyring.js';
import type { ApiKey, LeakPolicy, SlotName } from '../core/model.js';
import { parseSecret } from '../core/secret-format.js';
import type { Clock } from '../ports/clock.js';
import type { KeyInvalidation } from '../ports/key-invalidation.js';
import type { Notifier } from '../ports/notifier.js';
import type { Store } from '../ports/store.js';
import { raiseAlert } from './alert-monitor.js';
import type { KeyService } from './key-service.js';
import { auditOf, SYSTEM_CONTEXT } from './principal.js';

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
 * A replay changes nothing: a regenerated secret is retired, and an open alert for the same
 * secret version means the report was already handled.
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

  async #handle(reporter: LeakReporter, item: LeakReportItem): Promise<LeakFeedback['label']> {
    const { store, keyring, secretPrefix } = this.deps;
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
    // Retired (already regenerated or deleted): it was ours, nothing left to do.
    if (match.kind === 'retired' || match.slot.retiringUntil !== undefined) return 'true_positive';
    const changed = await this.#act(reporter, item, digests).catch((err: unknown) => {
      if (err instanceof AlreadyHandled) return null;
      throw err;
    });
    if (changed !== null) await this.deps.invalidation.keyChanged(changed);
    return 'true_positive';
  }

  /** The policy, the alert and the audit in one transaction; the key id changed, or null. */
  async #act(reporter: LeakReporter, item: LeakReportItem, digests: string[]) {
    const { store, clock, keys, notifier } = this.deps;
    const now = clock.now();
    return store.transaction(async (tx): Promise<string | null> => {
      // Again inside the transaction: a concurrent report may have handled it.
      const match = await tx.keys.findByDigests(digests);
      if (match === null || match.kind !== 'slot' || match.slot.retiringUntil !== undefined) {
        throw new AlreadyHandled();
      }
      const key: ApiKey = match.key;
      const slotName: SlotName = match.slot.slot;
      const institution = await tx.institutions.get(key.institutionId);
      const policy: LeakPolicy = institution?.settings.leakPolicy ?? 'regenerate-slot';
      const action =
        policy === 'suspend-key' && key.state !== 'active'
          ? 'none (key not active)'
          : policy === 'notify'
            ? 'notified'
            : policy === 'suspend-key'
              ? 'key suspended'
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
          subject: `${match.slot.hint}@${match.slot.generatedAt.toISOString()}`,
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
      if (policy === 'regenerate-slot') {
        const current = await tx.keys.getSlot(key.id, slotName);
        if (!current) throw new AppError('INTERNAL', 'Key has lost a slot');
        await keys.replaceSlotIn(tx, SYSTEM_CONTEXT, key, current, now, {
          reason: 'leaked',
          url: item.url,
          source: item.source,
        });
        changed = true;
      } else if (policy === 'suspend-key' && key.state === 'active') {
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
            hint: match.slot.hint,
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
