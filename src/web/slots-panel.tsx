import { useEffect, useState } from 'react';
import { errorMessage } from './api-client';
import type { ApiKey, Secrets, SlotName } from './api-types';
import { formatDateTime } from './format';
import { RegenerateDialog } from './regenerate-dialog';
import { useSession } from './session';
import { ErrorNote, ImportedBadge, SecretValue } from './ui';

/** Revealed secrets hide again by themselves after this long. */
const REVEAL_MS = 60_000;
const SLOTS: readonly SlotName[] = ['primary', 'secondary'];

/**
 * Both slots side by side. Secrets are masked until "Show secrets" (an audited API call) and
 * held in this component's state only; hiding, a regeneration or leaving the page drops them.
 */
export function SlotsPanel(props: {
  apiKey: ApiKey;
  canView: boolean;
  canRegenerate: boolean;
  onKeyChanged: (key: ApiKey) => void;
}) {
  const { api } = useSession();
  const { apiKey } = props;
  const [secrets, setSecrets] = useState<Secrets | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [regenerating, setRegenerating] = useState<SlotName | null>(null);

  useEffect(() => {
    if (!secrets) return;
    const timer = setTimeout(() => setSecrets(null), REVEAL_MS);
    return () => clearTimeout(timer);
  }, [secrets]);

  const show = async () => {
    setBusy(true);
    setError(null);
    try {
      setSecrets(await api.viewSecrets(apiKey.id));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="slots-heading">
      <div className="toolbar">
        <h2 id="slots-heading">Secrets</h2>
        {props.canView &&
          (secrets ? (
            <button type="button" className="secondary" onClick={() => setSecrets(null)}>
              Hide secrets
            </button>
          ) : (
            <button type="button" className="secondary" disabled={busy} onClick={() => void show()}>
              {busy ? 'Loading…' : 'Show secrets'}
            </button>
          ))}
      </div>
      <p className="muted">
        Either secret authenticates. Regenerating one never touches the other, so clients can move
        to the other slot first and nothing is interrupted.
      </p>
      <ErrorNote message={error} />
      <div className="slots">
        {SLOTS.map((slot) => {
          const view = apiKey.slots[slot];
          const label = slot === 'primary' ? 'Primary' : 'Secondary';
          return (
            <article key={slot} className="card slot" aria-label={`${label} slot`}>
              <h3>
                {label} {view.imported && <ImportedBadge />}
              </h3>
              {secrets ? (
                <SecretValue
                  label={`${label} secret`}
                  value={secrets[slot]}
                  testId={`secret-${slot}`}
                />
              ) : (
                <p className="masked">
                  <span className="sr-only">{label} secret hidden: </span>
                  <code>{view.hint.replace('…', '••••••••••••••••')}</code>
                </p>
              )}
              <dl>
                <dt>Hint</dt>
                <dd>
                  <code>{view.hint}</code>
                </dd>
                <dt>Generated</dt>
                <dd>{formatDateTime(view.generatedAt)}</dd>
                <dt>Last used</dt>
                <dd>{view.lastUsedAt ? formatDateTime(view.lastUsedAt) : 'Never'}</dd>
                <dt>Last used from</dt>
                <dd>{view.lastUsedFrom ?? '—'}</dd>
                <dt>Last user agent</dt>
                <dd>{view.lastUserAgent ?? '—'}</dd>
              </dl>
              {props.canRegenerate && (
                <button type="button" className="secondary" onClick={() => setRegenerating(slot)}>
                  Regenerate {slot}
                </button>
              )}
            </article>
          );
        })}
      </div>
      {regenerating && (
        <RegenerateDialog
          apiKey={apiKey}
          slot={regenerating}
          onClose={(updated) => {
            setRegenerating(null);
            if (updated) {
              setSecrets(null);
              props.onKeyChanged(updated);
            }
          }}
        />
      )}
    </section>
  );
}
