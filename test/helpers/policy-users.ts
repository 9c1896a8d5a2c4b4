import { DEFAULT_ROLES, type Permission } from '../../src/access/roles.js';
import type { User } from '../../src/access/user.js';

export const ORG_A = { id: 1, uuid: 'a0000000-0000-4000-8000-000000000001', name: 'Org A', local: true };
export const ORG_B = { id: 2, uuid: 'b0000000-0000-4000-8000-000000000002', name: 'Org B', local: true };

export type RoleName = 'admin' | 'Org Admin' | 'User' | 'Publisher' | 'Sync user' | 'Read Only';
export const ROLE_NAMES: readonly RoleName[] = ['admin', 'Org Admin', 'User', 'Publisher', 'Sync user', 'Read Only'];

let nextId = 100;

/** A user of one of MISP's default roles (as Cairn ships them), in an organisation. */
export function userOf(roleName: RoleName, org = ORG_A, id = nextId++): User {
  const role = DEFAULT_ROLES.find((r) => r.name === roleName);
  if (!role) throw new Error(`no default role ${roleName}`);
  return { id, email: `${id}@test`, disabled: false, created: 0, org, role: { id: DEFAULT_ROLES.indexOf(role) + 1, name: role.name, permissions: [...role.permissions] } };
}

/** A user whose role carries exactly these flags: to show what each flag alone decides. */
export function userWith(permissions: readonly Permission[], org = ORG_A, id = nextId++): User {
  return { id, email: `${id}@test`, disabled: false, created: 0, org, role: { id: 99, name: 'custom', permissions: [...permissions] } };
}

/** An event owned (Org) and created (Orgc) by organisations. */
export const eventOf = (org: { uuid: string } | null, orgc: { uuid: string }) => ({ orgUuid: org?.uuid ?? null, orgcUuid: orgc.uuid });
