import { Type, type Static } from 'typebox';
import { DateText, Doc, UuidText } from './answer-fields.js';
import { UserDocument } from './answers-admin.js';

/*
 * What Cairn's own routes answer the web interface (src/api/routes/web-interface.ts, src/api/web-session.ts):
 * not MISP's documents, so plain numbers where MISP would write text.
 */

/** What the signed-in user may do, whatever the target (src/access/policy/abilities.ts decides it). */
export const UserAbilities = Type.Object({
  siteAdmin: Type.Boolean(), orgAdmin: Type.Boolean(), canAdd: Type.Boolean(), canPublish: Type.Boolean(), canSync: Type.Boolean(),
  canTag: Type.Boolean(), canEditTags: Type.Boolean(), canDeleteTags: Type.Boolean(), canSight: Type.Boolean(), canMakeApiKeys: Type.Boolean(),
  canManageUsers: Type.Boolean(), canEditRoles: Type.Boolean(), canEditOrganisations: Type.Boolean(), canMakeSharingGroups: Type.Boolean(),
  canReadAuditLog: Type.Boolean(), canManageCorrelationExclusions: Type.Boolean(), canToggleWarninglists: Type.Boolean(),
  canToggleTaxonomies: Type.Boolean(), canToggleNoticelists: Type.Boolean(), canEditGalaxies: Type.Boolean(),
  canManageFeeds: Type.Boolean(), canViewFeedCorrelations: Type.Boolean(), canManageServers: Type.Boolean(),
});
export type UserAbilities = Static<typeof UserAbilities>;

/** What the user may do to one event and what it holds. */
export const EventAbilities = Type.Object({
  change: Type.Boolean(), publish: Type.Boolean(), delete: Type.Boolean(), tag: Type.Boolean(), tagLocally: Type.Boolean(),
  addAttribute: Type.Boolean(), addObject: Type.Boolean(), editItems: Type.Boolean(), deleteItems: Type.Boolean(), purgeItems: Type.Boolean(),
  propose: Type.Boolean(),
});
export type EventAbilities = Static<typeof EventAbilities>;

/** auth/login, auth/session and auth/password: the user as users/view gives him, what he may do, and the session's CSRF token. */
export const Session = Doc({ ...UserDocument.properties, abilities: UserAbilities, csrfToken: Type.String() });
export type Session = Static<typeof Session>;

const Count = () => Type.Integer({ minimum: 0 });

export const Dashboard = Doc({
  events: Count(), attributes: Count(), objects: Count(), correlations: Count(),
  latest: Type.Array(Doc({
    id: Count(), uuid: UuidText(), info: Type.String(), date: DateText(), org: Type.String(), attributes: Count(), published: Type.Boolean(),
    tags: Type.Array(Doc({ name: Type.String(), colour: Type.String() })),
  })),
  topTags: Type.Array(Doc({ name: Type.String(), events: Count() })),
  attributesByType: Type.Record(Type.String(), Count()),
  eventsByMonth: Type.Array(Doc({ month: Type.String({ pattern: '^\\d{4}-\\d{2}$' }), events: Count() })),
});
export type Dashboard = Static<typeof Dashboard>;

const OverCorrelating = () => Type.Array(Doc({ value: Type.String(), events: Count() }), { description: 'values held by more events than the threshold: flagged, not followed' });

export const Annotations = Doc({
  attributes: Type.Record(Type.String(), Doc({ correlations: Count(), warninglists: Type.Array(Type.String()) }), { description: 'by attribute uuid' }),
  overCorrelating: OverCorrelating(),
  related: Type.Array(Doc({ id: Count(), uuid: UuidText(), info: Type.String(), date: DateText(), shared: Count(), values: Type.Array(Type.String()) })),
  objectDescriptions: Type.Record(Type.String(), Type.String(), { description: 'by object uuid' }),
});
export type Annotations = Static<typeof Annotations>;

export const CorrelationGraph = Doc({
  event: UuidText(), depth: Count(),
  nodes: Type.Array(Doc({ event: UuidText(), info: Type.String(), date: DateText(), depth: Count() })),
  edges: Type.Array(Doc({ from: UuidText(), to: UuidText(), shared: Count(), values: Type.Array(Type.String()) })),
  truncated: Type.Boolean(), overCorrelating: OverCorrelating(),
});
export type CorrelationGraph = Static<typeof CorrelationGraph>;

export const ImportStatus = Type.Union([Type.Literal('created'), Type.Literal('updated'), Type.Literal('unchanged'), Type.Literal('refused')]);
export type ImportStatus = Static<typeof ImportStatus>;

/** cairn/import/preview (what would be done) and cairn/import (what was). */
export const ImportPlan = Doc({
  format: Type.Union([Type.Literal('misp'), Type.Literal('stix2')]),
  events: Type.Array(Doc({
    uuid: Type.String(), info: Type.String(), status: ImportStatus, eventId: Type.Optional(Count()), reason: Type.Optional(Type.String()),
    attributes: Count(), objects: Count(), problems: Type.Array(Type.String()),
  })),
  left: Type.Array(Type.String(), { description: 'what was left out, and why' }),
});
export type ImportPlan = Static<typeof ImportPlan>;
