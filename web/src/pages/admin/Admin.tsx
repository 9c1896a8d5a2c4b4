import type { ReactElement } from 'react';
import type { Session, UserAbilities } from '@cairn/answers';
import { AuditLog } from './AuditLog';
import { Exclusions } from './Exclusions';
import { Feeds } from './Feeds';
import { Keys } from './Keys';
import { Taxonomies, Warninglists } from './Libraries';
import { Organisations } from './Organisations';
import { Roles } from './Roles';
import { Servers } from './Servers';
import { SharingGroups } from './SharingGroups';
import { Users } from './Users';

/** Administration: each section for those the server says may use it (and it checks every change again). */
const SECTIONS: ReadonlyArray<{ id: string; label: string; who: keyof UserAbilities; page: (props: { me: Session }) => ReactElement }> = [
  { id: 'users', label: 'Users', who: 'canManageUsers', page: Users },
  { id: 'keys', label: 'API keys', who: 'canManageUsers', page: Keys },
  { id: 'roles', label: 'Roles', who: 'canManageUsers', page: Roles },
  { id: 'organisations', label: 'Organisations', who: 'canEditOrganisations', page: Organisations },
  { id: 'sharing-groups', label: 'Sharing groups', who: 'canMakeSharingGroups', page: SharingGroups },
  { id: 'warninglists', label: 'Warninglists', who: 'canToggleWarninglists', page: Warninglists },
  { id: 'taxonomies', label: 'Taxonomies', who: 'canToggleTaxonomies', page: Taxonomies },
  { id: 'exclusions', label: 'Correlation exclusions', who: 'canManageCorrelationExclusions', page: Exclusions },
  { id: 'feeds', label: 'Feeds', who: 'canManageFeeds', page: Feeds },
  { id: 'servers', label: 'Servers', who: 'canManageServers', page: Servers },
  { id: 'audit', label: 'Audit log', who: 'canReadAuditLog', page: AuditLog },
];

/** The administration is the place of those who administer users: organisation and site admins. */
export function mayAdminister(me: Session): boolean {
  return me.abilities.canManageUsers;
}

export function Admin({ me, section }: { me: Session; section: string | undefined }) {
  const open = SECTIONS.filter((s) => me.abilities[s.who]);
  const current = open.find((s) => s.id === section) ?? open[0];
  if (!current) return <p className="error">Your role administers nothing here.</p>;
  const Page = current.page;
  return (
    <div>
      <h1>Administration</h1>
      <nav className="tabs">
        {open.map((s) => <a key={s.id} href={`#/admin/${s.id}`} className={s.id === current.id ? 'active' : ''}>{s.label}</a>)}
      </nav>
      <Page me={me} />
    </div>
  );
}
