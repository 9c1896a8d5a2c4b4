import type { ExpressionBuilder, Expression, SqlBool } from 'kysely';
import { sql } from 'kysely';
import { seesEverything, type Viewer } from '../access/viewer.js';
import type { Database } from './db/schema.js';

/**
 * The access policy: who sees what, as SQL predicates that every read of events, attributes, objects,
 * reports and sightings applies. MISP's rules, without its leaks:
 * - an event is seen by its owner organisation; by every organisation at distribution 1–3; by the
 *   members of its sharing group at 4; and, when the setting `events.unpublished_private` is on, an
 *   unpublished event by its owner only;
 * - an attribute, object or report is seen within an event the viewer sees, by the owner organisation,
 *   or by others when its own distribution (5: the event's) and that of the object holding it allow;
 * - site admins and the operator on the command line see everything.
 */

type EventScope = ExpressionBuilder<Database, 'event'>;
type AttributeScope = ExpressionBuilder<Database, 'event' | 'attribute'>;
type ObjectScope = ExpressionBuilder<Database, 'event' | 'object'>;
type ReportScope = ExpressionBuilder<Database, 'event' | 'event_report'>;
type SightingScope = ExpressionBuilder<Database, 'event' | 'sighting'>;
type ProposalScope = ExpressionBuilder<Database, 'event' | 'shadow_attribute'>;

const TRUE = sql<SqlBool>`1 = 1`;

export const UNPUBLISHED_PRIVATE_SETTING = 'events.unpublished_private';

/** The sharing groups an organisation belongs to: as a member, or as one of this instance's organisations when the group takes all of them. */
export function sharingGroupsOf(orgId: number) {
  return sql<number>`(select sharing_group_id from sharing_group_org where org_id = ${orgId}
    union select sharing_group_id from sharing_group_server where server_id = 0 and all_orgs = 1)`;
}

/** Whether a row of `table` is shared beyond its owner with this organisation, by its own distribution. */
function sharedWith(table: 'event' | 'attribute' | 'object' | 'event_report' | 'galaxy_cluster' | 'galaxy_cluster_relation', orgId: number): Expression<SqlBool> {
  const distribution = sql.ref(`${table}.distribution`);
  const levels = ['event', 'galaxy_cluster', 'galaxy_cluster_relation'].includes(table) ? sql`(1, 2, 3)` : sql`(1, 2, 3, 5)`;
  return sql<SqlBool>`(${distribution} in ${levels} or (${distribution} = 4 and ${sql.ref(`${table}.sharing_group_id`)} in ${sharingGroupsOf(orgId)}))`;
}

/** Drafts are the owner's alone while the setting says so; read in the query, so a change applies at once everywhere. */
const PUBLISHED_OR_DRAFTS_SHARED = sql<SqlBool>`(event.published = 1 or not exists (select 1 from setting where name = ${UNPUBLISHED_PRIVATE_SETTING} and value = 'true'))`;

function restricted(viewer: Viewer): viewer is Extract<Viewer, { kind: 'user' }> {
  return !seesEverything(viewer) && viewer.kind === 'user';
}

/** Events the viewer may see. */
export function eventVisibleTo(viewer: Viewer): (eb: EventScope) => Expression<SqlBool> {
  if (!restricted(viewer)) return () => TRUE;
  const orgId = viewer.orgId;
  return (eb) => eb.or([eb('event.org_id', '=', orgId), eb.and([sharedWith('event', orgId), PUBLISHED_OR_DRAFTS_SHARED])]);
}

/**
 * Proposals (shadow attributes) the viewer may see; the query must join `event`. A proposal is between
 * the organisation that made it and the event's owner (or creator): no other organisation sees it, even
 * one that sees the event.
 */
export function proposalVisibleTo(viewer: Viewer): (eb: ProposalScope) => Expression<SqlBool> {
  if (!restricted(viewer)) return () => TRUE;
  const orgId = viewer.orgId;
  return (eb) => eb.and([
    eventVisibleTo(viewer)(eb as unknown as EventScope),
    eb.or([eb('shadow_attribute.org_id', '=', orgId), eb('event.org_id', '=', orgId), eb('event.orgc_id', '=', orgId)]),
  ]);
}

/**
 * Whether the viewer sees every attribute of a visible event owned by `eventOrgId`: a site admin, or its
 * owner organisation (attributeVisibleTo). Then the event's stored count of live attributes is his count.
 */
export function seesEveryAttributeOf(viewer: Viewer, eventOrgId: number): boolean {
  return !restricted(viewer) || viewer.orgId === eventOrgId;
}

/** Attributes the viewer may see, within events he may see; the query must join `event`. */
export function attributeVisibleTo(viewer: Viewer): (eb: AttributeScope) => Expression<SqlBool> {
  if (!restricted(viewer)) return () => TRUE;
  const orgId = viewer.orgId;
  return (eb) =>
    eb.and([
      eventVisibleTo(viewer)(eb as unknown as EventScope),
      eb.or([
        eb('event.org_id', '=', orgId),
        eb.and([
          sharedWith('attribute', orgId),
          // An attribute of an object is seen only where its object is: an organisation-only object hides its attributes.
          eb.or([
            eb('attribute.object_id', 'is', null),
            eb.exists(eb.selectFrom('object').select('object.id').whereRef('object.id', '=', 'attribute.object_id').where(() => sharedWith('object', orgId))),
          ]),
        ]),
      ]),
    ]);
}

/** Objects the viewer may see, within events he may see; the query must join `event`. */
export function objectVisibleTo(viewer: Viewer): (eb: ObjectScope) => Expression<SqlBool> {
  if (!restricted(viewer)) return () => TRUE;
  const orgId = viewer.orgId;
  return (eb) => eb.and([eventVisibleTo(viewer)(eb as unknown as EventScope), eb.or([eb('event.org_id', '=', orgId), sharedWith('object', orgId)])]);
}

/** Event reports the viewer may see, within events he may see; the query must join `event`. */
export function reportVisibleTo(viewer: Viewer): (eb: ReportScope) => Expression<SqlBool> {
  if (!restricted(viewer)) return () => TRUE;
  const orgId = viewer.orgId;
  return (eb) => eb.and([eventVisibleTo(viewer)(eb as unknown as EventScope), eb.or([eb('event.org_id', '=', orgId), sharedWith('event_report', orgId)])]);
}

/**
 * Sightings the viewer may see, on attributes he may see (MISP's default sighting policy): those his
 * organisation made, and every one on events his organisation owns or created. Query must join `event`.
 */
export function sightingVisibleTo(viewer: Viewer): (eb: SightingScope) => Expression<SqlBool> {
  if (!restricted(viewer)) return () => TRUE;
  const orgId = viewer.orgId;
  return (eb) => eb.or([eb('sighting.org_id', '=', orgId), eb('event.org_id', '=', orgId), eb('event.orgc_id', '=', orgId)]);
}

type SharingGroupScope = ExpressionBuilder<Database, 'sharing_group'>;

/** Sharing groups the viewer may see and use: those his organisation belongs to or made. */
export function sharingGroupVisibleTo(viewer: Viewer): (eb: SharingGroupScope) => Expression<SqlBool> {
  if (!restricted(viewer)) return () => TRUE;
  const orgId = viewer.orgId;
  return (eb) => eb.or([eb('sharing_group.org_id', '=', orgId), sql<SqlBool>`sharing_group.id in ${sharingGroupsOf(orgId)}`]);
}

type ClusterScope = ExpressionBuilder<Database, 'galaxy_cluster'>;
type ClusterRelationScope = ExpressionBuilder<Database, 'galaxy_cluster' | 'galaxy_cluster_relation'>;

/**
 * Galaxy clusters the viewer may see, as MISP's GalaxyCluster::buildConditions: every library cluster;
 * a custom one by its owner organisation, by all at distribution 1–3, by the members of its sharing
 * group at 4. Distribution 0 keeps it to its organisation.
 */
export function clusterVisibleTo(viewer: Viewer): (eb: ClusterScope) => Expression<SqlBool> {
  if (!restricted(viewer)) return () => TRUE;
  const orgId = viewer.orgId;
  return (eb) => eb.or([eb('galaxy_cluster.custom', '=', 0), eb('galaxy_cluster.org_id', '=', orgId), sharedWith('galaxy_cluster', orgId)]);
}

/** A custom cluster's relations the viewer may see (the query must join its `galaxy_cluster`): by the cluster's organisation, or by the relation's own distribution. */
export function clusterRelationVisibleTo(viewer: Viewer): (eb: ClusterRelationScope) => Expression<SqlBool> {
  if (!restricted(viewer)) return () => TRUE;
  const orgId = viewer.orgId;
  return (eb) => eb.or([eb('galaxy_cluster.org_id', '=', orgId), sharedWith('galaxy_cluster_relation', orgId)]);
}

type DelegationScope = ExpressionBuilder<Database, 'event_delegation'>;

/**
 * Event delegations the viewer may see: those his organisation asked for or is asked to take (all,
 * for site admins). The organisation asked sees the summary of the event it is asked to take even when
 * it may not see the event itself: it cannot decide otherwise, and MISP shows it the same.
 */
export function delegationVisibleTo(viewer: Viewer): (eb: DelegationScope) => Expression<SqlBool> {
  if (!restricted(viewer)) return () => TRUE;
  const orgId = viewer.orgId;
  return (eb) => eb.or([eb('event_delegation.org_id', '=', orgId), eb('event_delegation.requester_org_id', '=', orgId)]);
}

type DecayingModelScope = ExpressionBuilder<Database, 'decaying_model'>;

/**
 * Decaying models the viewer may see, as MISP's DecayingModel::fetchModel: his organisation's, and those
 * shown to all organisations (all_orgs); every one for site admins. With `own`, site admins too see only
 * these: the models that score a search without being named in it are the asker's own or shared ones,
 * never another organisation's private model.
 */
export function decayingModelVisibleTo(viewer: Viewer, own = false): (eb: DecayingModelScope) => Expression<SqlBool> {
  if (viewer.kind === 'operator' || (!own && viewer.siteAdmin)) return () => TRUE;
  const orgId = viewer.orgId;
  return (eb) => eb.or([eb('decaying_model.org_id', '=', orgId), eb('decaying_model.all_orgs', '=', 1)]);
}
