import { type FormEvent, useState } from 'react';
import { errorMessage } from './api-client';
import type { Institution, InstitutionSettings, LeakPolicy } from './api-types';
import { type Access, useSession } from './session';
import { ErrorNote } from './ui';

/** The form's fields as typed (numbers as text: empty means "none"). */
interface PolicyValues {
  leakPolicy: LeakPolicy;
  quietPeriodSeconds: string;
  operatorsMayViewSecrets: boolean;
  unusedAlertDays: string;
  maxSecretAgeDays: string;
  ageReminderDays: string;
  suspendUnusedAfterDays: string;
}

const LEAK_POLICIES: readonly { value: LeakPolicy; label: string }[] = [
  { value: 'regenerate-slot', label: 'Regenerate only the leaked slot (the other keeps working)' },
  { value: 'suspend-key', label: 'Suspend the whole key' },
  { value: 'notify', label: 'Change nothing, only alert' },
];

function valuesOf(settings: InstitutionSettings): PolicyValues {
  const days = (n: number | null) => (n === null ? '' : String(n));
  return {
    leakPolicy: settings.leakPolicy,
    quietPeriodSeconds: String(settings.quietPeriodSeconds),
    operatorsMayViewSecrets: settings.operatorsMayViewSecrets,
    unusedAlertDays: days(settings.unusedAlertDays),
    maxSecretAgeDays: days(settings.maxSecretAgeDays),
    ageReminderDays: settings.ageReminderDays.join(', '),
    suspendUnusedAfterDays: days(settings.suspendUnusedAfterDays),
  };
}

/** Empty → null; anything else as typed, for the server to validate (its 422 is shown). */
function daysOrNull(text: string): number | null {
  return text.trim() === '' ? null : Number(text);
}

function settingsOf(values: PolicyValues): Partial<InstitutionSettings> {
  return {
    leakPolicy: values.leakPolicy,
    quietPeriodSeconds: Number(values.quietPeriodSeconds),
    operatorsMayViewSecrets: values.operatorsMayViewSecrets,
    unusedAlertDays: daysOrNull(values.unusedAlertDays),
    maxSecretAgeDays: daysOrNull(values.maxSecretAgeDays),
    ageReminderDays: values.ageReminderDays
      .split(/[\s,]+/)
      .filter((d) => d !== '')
      .map(Number),
    suspendUnusedAfterDays: daysOrNull(values.suspendUnusedAfterDays),
  };
}

/**
 * The institution's policies: what a reported leak does, when regenerating is refused as still in
 * use, hygiene (secret age, unused keys) and who may view secrets. Administrators (and platform
 * operators) change them; operators read them.
 */
export function PoliciesTab(props: {
  institution: Institution;
  access: Access;
  onSaved: (institution: Institution) => void;
}) {
  const { api } = useSession();
  const [values, setValues] = useState(() => valuesOf(props.institution.settings));
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const canEdit = props.access === 'admin' || props.access === 'platform';
  const set = <K extends keyof PolicyValues>(field: K, value: PolicyValues[K]) => {
    setSaved(false);
    setValues({ ...values, [field]: value });
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const updated = await api.updateInstitutionSettings(props.institution.id, settingsOf(values));
      props.onSaved(updated);
      setValues(valuesOf(updated.settings));
      setSaved(true);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card" aria-label="Policies" onSubmit={(e) => void submit(e)}>
      <h2>Policies</h2>
      {!canEdit && <p className="muted">Only administrators change these.</p>}
      <fieldset disabled={!canEdit || busy}>
        <legend>Leaks and rotation</legend>
        <label>
          When a secret is reported leaked
          <select
            name="leakPolicy"
            value={values.leakPolicy}
            onChange={(e) => set('leakPolicy', e.target.value as LeakPolicy)}
          >
            {LEAK_POLICIES.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Regenerate quiet period, seconds{' '}
          <span className="field-note">
            (a slot used this recently is refused as in use unless forced; 0: never)
          </span>
          <input
            type="number"
            name="quietPeriodSeconds"
            min={0}
            max={86400}
            required
            value={values.quietPeriodSeconds}
            onChange={(e) => set('quietPeriodSeconds', e.target.value)}
          />
        </label>
        <label className="choice">
          <input
            type="checkbox"
            name="operatorsMayViewSecrets"
            checked={values.operatorsMayViewSecrets}
            onChange={(e) => set('operatorsMayViewSecrets', e.target.checked)}
          />
          Operators may view secrets
        </label>
      </fieldset>
      <fieldset disabled={!canEdit || busy}>
        <legend>Hygiene</legend>
        <div className="row">
          <DaysField
            label="Maximum secret age, days"
            none="none"
            name="maxSecretAgeDays"
            value={values.maxSecretAgeDays}
            onChange={(v) => set('maxSecretAgeDays', v)}
          />
          <label>
            Reminders, days before <span className="field-note">(e.g. 14, 3)</span>
            <input
              name="ageReminderDays"
              value={values.ageReminderDays}
              onChange={(e) => set('ageReminderDays', e.target.value)}
            />
          </label>
        </div>
        <div className="row">
          <DaysField
            label="Alert on a slot unused for, days"
            none="never"
            name="unusedAlertDays"
            value={values.unusedAlertDays}
            onChange={(v) => set('unusedAlertDays', v)}
          />
          <DaysField
            label="Suspend keys unused for, days"
            none="never"
            name="suspendUnusedAfterDays"
            value={values.suspendUnusedAfterDays}
            onChange={(v) => set('suspendUnusedAfterDays', v)}
          />
        </div>
      </fieldset>
      {canEdit && (
        <button type="submit" disabled={busy}>
          Save policies
        </button>
      )}
      <ErrorNote message={error} />
      {saved && (
        <p className="muted" role="status">
          Saved.
        </p>
      )}
    </form>
  );
}

/** A number of days, or empty for `none`. */
function DaysField(props: {
  label: string;
  none: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <label>
      {props.label} <span className="field-note">(empty: {props.none})</span>
      <input
        type="number"
        name={props.name}
        min={1}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </label>
  );
}
