import { AppError } from '../core/errors.js';
import type {
  ApiKey,
  AuditEvent,
  Institution,
  Membership,
  SecretSlot,
  SlotName,
  User,
} from '../core/model.js';
import type { MemberWithUser, SlotClient } from '../ports/store.js';

/** Domain objects → the JSON shapes of API.md. Only listed fields leave the server. */

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function institutionView(i: Institution) {
  return {
    id: i.id,
    name: i.name,
    externalCode: i.externalCode,
    settings: { ...i.settings, ageReminderDays: [...i.settings.ageReminderDays] },
    createdAt: i.createdAt.toISOString(),
  };
}

export function userView(u: User) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    platformOperator: u.platformOperator,
    mustChangePassword: u.mustChangePassword,
  };
}

export function membershipView(m: Membership) {
  return { institutionId: m.institutionId, role: m.role, createdAt: m.createdAt.toISOString() };
}

export function memberView(m: MemberWithUser) {
  return {
    userId: m.userId,
    email: m.user.email,
    name: m.user.name,
    role: m.role,
    createdAt: m.createdAt.toISOString(),
  };
}

function slotView(slots: readonly SecretSlot[], name: SlotName) {
  const slot = slots.find((s) => s.slot === name);
  // A live key always has both slots (core/key-pair.ts); a missing one is a fault, not data.
  if (!slot) throw new AppError('INTERNAL', `Key has no ${name} slot`);
  return {
    hint: slot.hint,
    generatedAt: slot.generatedAt.toISOString(),
    lastUsedAt: iso(slot.lastUsedAt),
    lastUsedFrom: slot.lastUsedFrom,
    lastUserAgent: slot.lastUserAgent,
    imported: slot.imported,
  };
}

export function keyView(key: ApiKey, slots: readonly SecretSlot[]) {
  return {
    id: key.id,
    institutionId: key.institutionId,
    name: key.name,
    kind: key.kind,
    state: key.state,
    scopes: [...key.scopes],
    allowedCidrs: [...key.allowedCidrs],
    expiresAt: iso(key.expiresAt),
    rateLimit: key.rateLimit,
    createdAt: key.createdAt.toISOString(),
    createdBy: key.createdBy,
    slots: {
      primary: slotView(slots, 'primary'),
      secondary: slotView(slots, 'secondary'),
    },
  };
}

/** A key's clients grouped by slot, each most recently seen first. */
export function keyClientsView(clients: readonly SlotClient[]) {
  const view = (slot: SlotName) =>
    clients
      .filter((c) => c.slot === slot)
      .map((c) => ({
        address: c.clientIp,
        userAgent: c.userAgent,
        firstSeenAt: c.firstSeenAt.toISOString(),
        lastSeenAt: c.lastSeenAt.toISOString(),
        requests: c.requests,
      }));
  return { slots: { primary: view('primary'), secondary: view('secondary') } };
}

export function auditEventView(e: AuditEvent) {
  return {
    seq: e.seq,
    id: e.id,
    at: e.at.toISOString(),
    actor: e.actor,
    institutionId: e.institutionId,
    action: e.action,
    target: e.target,
    sourceIp: e.sourceIp,
    details: e.details,
    hash: e.hash,
  };
}
