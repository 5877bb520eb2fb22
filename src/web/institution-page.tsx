import { AlertsTab } from './alerts-tab';
import { errorMessage } from './api-client';
import { AuditTab } from './audit-tab';
import { accessLabel } from './institutions-page';
import { KeysTab } from './keys-tab';
import { MembersTab } from './members-tab';
import { PoliciesTab } from './policies-tab';
import { type InstitutionTab, Link } from './router';
import { accessTo, useSession } from './session';
import { ErrorNote, useLoader } from './ui';

const TABS = [
  { id: 'keys', label: 'Keys' },
  { id: 'members', label: 'Members' },
  { id: 'alerts', label: 'Alerts' },
  { id: 'policies', label: 'Policies' },
  { id: 'audit', label: 'Audit' },
] as const;

export function InstitutionPage(props: { id: string; tab: InstitutionTab }) {
  const session = useSession();
  const access = accessTo(session, props.id);
  const institution = useLoader(() => session.api.getInstitution(props.id), [props.id]);
  // Platform operators see no keys of an institution they do not belong to: start at Members.
  const tab = props.tab ?? (access === 'platform' ? 'members' : 'keys');

  if (institution.error) {
    return (
      <section>
        <h1>Institution</h1>
        <ErrorNote message={errorMessage(institution.error)} />
        <Link to="/">Back to the institutions</Link>
      </section>
    );
  }
  const ins = institution.data;
  return (
    <section>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/">Institutions</Link> / <span>{ins?.name ?? '…'}</span>
      </nav>
      <h1>{ins?.name ?? 'Loading…'}</h1>
      <p className="muted">
        {ins?.externalCode ? `${ins.externalCode} · ` : ''}
        Your access: {accessLabel(access)}
      </p>
      <nav aria-label="Institution sections" className="tabs">
        {TABS.map((t) => (
          <Link
            key={t.id}
            to={`/institutions/${props.id}/${t.id}`}
            className="tab"
            current={t.id === tab}
          >
            {t.label}
          </Link>
        ))}
      </nav>
      {tab === 'keys' && <KeysTab institutionId={props.id} access={access} />}
      {tab === 'members' && <MembersTab institutionId={props.id} access={access} />}
      {tab === 'alerts' && <AlertsTab institutionId={props.id} access={access} />}
      {tab === 'policies' && ins && (
        <PoliciesTab institution={ins} access={access} onSaved={institution.setData} />
      )}
      {tab === 'audit' && <AuditTab institutionId={props.id} />}
    </section>
  );
}
