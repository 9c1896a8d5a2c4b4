import type { ReactElement } from 'react';
import { can } from '../../App';
import type { Me } from '../../types';
import { AuditLog } from './AuditLog';
import { Exclusions } from './Exclusions';
import { Keys } from './Keys';
import { Taxonomies, Warninglists } from './Libraries';
import { Organisations } from './Organisations';
import { Roles } from './Roles';
import { SharingGroups } from './SharingGroups';
import { Users } from './Users';

/** Administration: each section for those whose role allows it (the server checks every change again). */
const SECTIONS = [
  { id: 'users', label: 'Users', who: 'perm_admin', page: Users },
  { id: 'keys', label: 'API keys', who: 'perm_admin', page: Keys },
  { id: 'roles', label: 'Roles', who: 'perm_admin', page: Roles },
  { id: 'organisations', label: 'Organisations', who: 'perm_site_admin', page: Organisations },
  { id: 'sharing-groups', label: 'Sharing groups', who: 'perm_sharing_group', page: SharingGroups },
  { id: 'warninglists', label: 'Warninglists', who: 'perm_site_admin', page: Warninglists },
  { id: 'taxonomies', label: 'Taxonomies', who: 'perm_site_admin', page: Taxonomies },
  { id: 'exclusions', label: 'Correlation exclusions', who: 'perm_site_admin', page: Exclusions },
  { id: 'audit', label: 'Audit log', who: 'perm_audit', page: AuditLog },
] as const;

export function mayAdminister(me: Me): boolean {
  return can(me, 'perm_admin') || can(me, 'perm_site_admin');
}

export function Admin({ me, section }: { me: Me; section: string | undefined }) {
  const open = SECTIONS.filter((s) => can(me, s.who));
  const current = open.find((s) => s.id === section) ?? open[0];
  if (!current) return <p className="error">Your role administers nothing here.</p>;
  const Page: (props: { me: Me }) => ReactElement = current.page;
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
