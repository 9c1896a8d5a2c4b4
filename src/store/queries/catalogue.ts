import { fileURLToPath } from 'node:url';
import {
  DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler,
  type CompiledQuery, type Compilable,
} from 'kysely';
import { OPERATOR, type Viewer } from '../../access/viewer.js';
import { visibleSharingGroupsQuery } from '../access/sharing-groups.js';
import {
  correlatedEventQuery, eventsHoldingQuery, heldValuesQuery, linkingAttributesQuery, relatedEventsQuery, valueEventCountsQuery, valueEventsQuery,
} from '../correlations/event-correlations.js';
import type { Store } from '../db/database.js';
import type { DialectName } from '../db/dialect.js';
import type { Database } from '../db/schema.js';
import { newIdScope } from '../events/id-scope.js';
import { eventIndexQuery, visibleAttributeCountsQuery } from '../events/list.js';
import { eventAttributesQuery, eventObjectsQuery, eventReportsQuery, eventRowQuery, eventSightingsQuery } from '../events/reader.js';
import { plainValueQuery } from '../search/attributes.js';
import { proposalListQuery } from '../proposals.js';
import { valueIdQuery } from '../values/index.js';
import { valueCandidates } from '../values/match.js';
import { formatSql } from './format.js';

/**
 * The queries that matter, compiled for each dialect and representative viewers, and checked in as
 * src/store/queries/<name>.<dialect>.sql (`npm run sql:snapshot`; test/store/queries.test.ts compares),
 * so that a change to the access policy or to a hot query shows in review as a change of SQL. Each
 * entry calls the builder the store itself executes: there is no copy of a query here. Compiling reads
 * no data; the arguments are representative (event 1, value ids 101 and 102), since only the shape counts.
 */

export interface CataloguedQuery {
  /** `<area>.<query>`, and `.<viewer>` when the policy shapes it. */
  name: string;
  dialect: DialectName;
  /** Where the builder lives and who runs it, for the snapshot's header. */
  source: string;
  sql: string;
  parameters: readonly unknown[];
}

/** The viewers the policy tells apart: a site admin (sees everything, as the operator does) and a user of organisation 2. */
export const CATALOGUE_VIEWERS: ReadonlyArray<{ label: string; viewer: Viewer }> = [
  { label: 'site-admin', viewer: { kind: 'user', orgId: 1, siteAdmin: true } },
  { label: 'org-user', viewer: { kind: 'user', orgId: 2, siteAdmin: false } },
];

/** The operator on the command line: catalogued under the site admin's name, as he sees the same (the test checks it). */
export const OPERATOR_VIEWER = { label: 'operator', viewer: OPERATOR } as const;

interface Entry {
  name: string;
  source: string;
  /** False for a query the viewer does not shape (the value index is the same for everyone). */
  byViewer: boolean;
  build(store: Store, viewer: Viewer): Compilable | Promise<CompiledQuery>;
}

const EVENT = 1;
const VALUE_IDS = [101, 102];
const LIVE = [0];

const ENTRIES: readonly Entry[] = [
  { name: 'events.index', source: 'eventIndexQuery in src/store/events/list.ts, the page listEvents reads (50 a page, no filter)', byViewer: true,
    build: (store, viewer) => eventIndexQuery(store, viewer, { limit: 50, page: 1 }) },
  { name: 'events.index-attribute-counts', source: 'visibleAttributeCountsQuery in src/store/events/list.ts, the counts listEvents shows', byViewer: true,
    build: (store, viewer) => visibleAttributeCountsQuery(store.db, viewer, [EVENT, 2]) },
  { name: 'event.row', source: 'eventRowQuery in src/store/events/reader.ts, run by loadEvent', byViewer: true,
    build: (store, viewer) => eventRowQuery(store.db, viewer, { id: EVENT }) },
  { name: 'event.attributes', source: 'eventAttributesQuery in src/store/events/reader.ts, run by loadEvent', byViewer: true,
    build: (store, viewer) => eventAttributesQuery(store.db, viewer, EVENT, LIVE) },
  { name: 'event.objects', source: 'eventObjectsQuery in src/store/events/reader.ts, run by loadEvent', byViewer: true,
    build: (store, viewer) => eventObjectsQuery(store.db, viewer, EVENT, LIVE) },
  { name: 'event.reports', source: 'eventReportsQuery in src/store/events/reader.ts, run by loadEvent', byViewer: true,
    build: (store, viewer) => eventReportsQuery(store.db, viewer, EVENT, LIVE) },
  { name: 'event.sightings', source: 'eventSightingsQuery in src/store/events/reader.ts, run by loadEvent', byViewer: true,
    build: (store, viewer) => eventSightingsQuery(store.db, viewer, EVENT) },
  { name: 'proposals.event', source: 'proposalListQuery in src/store/proposals.ts, run by listProposals for shadow_attributes/index/EVENT and events/view', byViewer: true,
    build: (store, viewer) => proposalListQuery(store.db, viewer, { eventId: EVENT, deleted: false }) },
  { name: 'sharing-groups.visible', source: 'visibleSharingGroupsQuery in src/store/access/sharing-groups.ts, run by listSharingGroups', byViewer: true,
    build: (store, viewer) => visibleSharingGroupsQuery(store.db, viewer) },
  {
    name: 'search.one-value',
    source: 'plainValueQuery in src/store/search/attributes.ts: restSearch by one exact value, kept prepared by plainValueSearch; '
      + 'the negative numbers are the placeholders it binds (organisation, after id, limit, offset, value id)',
    byViewer: true,
    build: async (store, viewer) => (await plainValueQuery(store, { viewer, value: 'evil.example', valueCount: 1, afterId: false, offset: false })).compiled,
  },
  { name: 'values.id', source: 'valueIdQuery in src/store/values/index.ts, run by valueIdsOf (src/store/values/match.ts) for each form of a typed value', byViewer: false,
    build: (store) => valueIdQuery(store.db, valueCandidates('evil.example')[0]!) },
  { name: 'correlations.event', source: 'correlatedEventQuery in src/store/correlations/event-correlations.ts, run by eventCorrelations', byViewer: true,
    build: (store, viewer) => correlatedEventQuery(store.db, viewer, { id: EVENT }) },
  { name: 'correlations.held-values', source: 'heldValuesQuery in src/store/correlations/event-correlations.ts, run by eventCorrelations', byViewer: true,
    build: (store, viewer) => heldValuesQuery(store.db, viewer, EVENT) },
  { name: 'correlations.events-holding', source: 'eventsHoldingQuery in src/store/correlations/event-correlations.ts: the exact count behind an over-correlation flag', byViewer: true,
    build: (store, viewer) => eventsHoldingQuery(store.db, viewer, VALUE_IDS, EVENT) },
  { name: 'correlations.related-events', source: 'relatedEventsQuery in src/store/correlations/event-correlations.ts, run by eventCorrelations with eventsOnly', byViewer: true,
    build: (store, viewer) => relatedEventsQuery(store.db, viewer, VALUE_IDS, EVENT) },
  { name: 'correlations.linking-attributes', source: 'linkingAttributesQuery in src/store/correlations/event-correlations.ts, run by eventCorrelations', byViewer: true,
    build: (store, viewer) => linkingAttributesQuery(store.db, viewer, VALUE_IDS, EVENT) },
  { name: 'correlations.lookup-value', source: 'valueEventsQuery in src/store/correlations/event-correlations.ts, run by lookupValue', byViewer: true,
    build: (store, viewer) => valueEventsQuery(store.db, viewer, VALUE_IDS) },
  { name: 'correlations.value-event-counts', source: 'valueEventCountsQuery in src/store/correlations/event-correlations.ts, run by lookupValue', byViewer: false,
    build: (store) => valueEventCountsQuery(store.db, VALUE_IDS) },
];

/** A Kysely that compiles for a dialect and never connects: PostgreSQL's adapter needs a pool only to run. */
function compilerOnly(dialect: DialectName): Kysely<Database> {
  const sqlite = dialect === 'sqlite';
  return new Kysely<Database>({
    dialect: {
      createAdapter: () => (sqlite ? new SqliteAdapter() : new PostgresAdapter()),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => (sqlite ? new SqliteIntrospector(db) : new PostgresIntrospector(db)),
      createQueryCompiler: () => (sqlite ? new SqliteQueryCompiler() : new PostgresQueryCompiler()),
    },
  });
}

/** A store that only compiles: the builders take a store, and none of them reads it while building. */
export function compileOnlyStore(dialect: DialectName): Store {
  const db = compilerOnly(dialect);
  return { db, dialect, location: `compile only (${dialect})`, idCache: newIdScope(), statements: new Map(), close: () => db.destroy() };
}

/** Every catalogued query compiled by this store, for each viewer given (for the queries the viewer shapes). */
export async function compileCatalogue(store: Store, viewers: ReadonlyArray<{ label: string; viewer: Viewer }> = CATALOGUE_VIEWERS): Promise<CataloguedQuery[]> {
  const out: CataloguedQuery[] = [];
  for (const entry of ENTRIES) {
    const runs = entry.byViewer ? viewers.map((v) => ({ name: `${entry.name}.${v.label}`, viewer: v.viewer })) : [{ name: entry.name, viewer: OPERATOR }];
    for (const run of runs) {
      const built = await entry.build(store, run.viewer);
      const compiled = 'compile' in built ? built.compile() : built;
      out.push({ name: run.name, dialect: store.dialect, source: entry.source, sql: compiled.sql, parameters: compiled.parameters });
    }
  }
  return out;
}

/** The catalogue of both dialects, compiled without a database. */
export async function queryCatalogue(): Promise<CataloguedQuery[]> {
  const out: CataloguedQuery[] = [];
  for (const dialect of ['sqlite', 'postgres'] as const) {
    const store = compileOnlyStore(dialect);
    try {
      out.push(...(await compileCatalogue(store)));
    } finally {
      await store.close();
    }
  }
  return out;
}

/** Where a catalogued query's snapshot is checked in. */
export function snapshotPath(query: Pick<CataloguedQuery, 'name' | 'dialect'>): string {
  return fileURLToPath(new URL(`./${query.name}.${query.dialect}.sql`, import.meta.url));
}

/** The folder of the snapshots. */
export const SNAPSHOT_DIR = fileURLToPath(new URL('.', import.meta.url));

function literal(p: unknown): string {
  if (Buffer.isBuffer(p)) return `x'${p.toString('hex')}'`;
  return JSON.stringify(p) ?? String(p);
}

/** The checked-in text of a query: a header naming its source and parameters, then the formatted SQL. */
export function renderSnapshot(query: CataloguedQuery): string {
  return [
    `-- ${query.name} (${query.dialect})`,
    `-- From ${query.source}.`,
    `-- Parameters: ${query.parameters.length ? query.parameters.map(literal).join(', ') : 'none'}`,
    '-- Generated by `npm run sql:snapshot`; test/store/queries.test.ts fails when the compiled query differs.',
    formatSql(query.sql),
    '',
  ].join('\n');
}
