import { Migrator, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import type { DialectName } from './dialect.js';
import { schemaDialect, type SchemaDialect } from './migrations/frozen/dialect.js';
import * as core from './migrations/001-core.js';
import * as settings from './migrations/002-settings.js';
import * as exclusions from './migrations/003-correlation-exclusions.js';
import * as warninglists from './migrations/004-warninglists.js';
import * as values from './migrations/005-values.js';
import * as access from './migrations/006-access.js';
import * as sharingGroups from './migrations/007-sharing-groups.js';
import * as auditLog from './migrations/008-audit-log.js';
import * as libraries from './migrations/009-libraries.js';
import * as taxii from './migrations/010-taxii.js';
import * as sessions from './migrations/011-sessions.js';
import * as valueEvents from './migrations/012-value-events.js';
import * as analystData from './migrations/013-analyst-data.js';
import * as blocklists from './migrations/014-blocklists.js';
import * as usersSettings from './migrations/015-users-settings.js';
import * as valueCase from './migrations/016-value-case.js';
import * as idsNeverReused from './migrations/017-ids-never-reused.js';
import * as taxonomyFlags from './migrations/019-taxonomy-flags.js';
import * as roleLimits from './migrations/021-role-limits.js';
import * as customClusters from './migrations/023-custom-clusters.js';
import * as proposals from './migrations/027-proposals.js';
import * as eventDelegations from './migrations/029-event-delegations.js';
import * as decayingModels from './migrations/031-decaying-models.js';
import * as feeds from './migrations/033-feeds.js';
import * as feedValues from './migrations/034-feed-values.js';
import * as servers from './migrations/035-servers.js';
import * as eventLocked from './migrations/036-event-locked.js';
import * as serverRuns from './migrations/037-server-runs.js';
import * as orderedLookups from './migrations/039-ordered-lookups.js';
import * as feedRuns from './migrations/042-feed-runs.js';
import * as narrowAttributeColumns from './migrations/043-narrow-attribute-columns.js';
import * as serverRunCounts from './migrations/046-server-run-counts.js';
import * as clusterLocked from './migrations/047-cluster-locked.js';
import * as feedCorrelationPermission from './migrations/048-feed-correlation-permission.js';
import * as deletedObjects from './migrations/053-deleted-objects.js';

type Step = (db: Kysely<unknown>, d: SchemaDialect) => Promise<void>;

/** Every migration in order; a new one is appended with the next number, never edited once released. */
const STEPS: ReadonlyArray<[string, Step]> = [
  ['001-core', core.up],
  ['002-settings', (db) => settings.up(db)],
  ['003-correlation-exclusions', exclusions.up],
  ['004-warninglists', warninglists.up],
  ['005-values', values.up],
  ['006-access', access.up],
  ['007-sharing-groups', sharingGroups.up],
  ['008-audit-log', auditLog.up],
  ['009-libraries', libraries.up],
  ['010-taxii', (db) => taxii.up(db)],
  ['011-sessions', (db) => sessions.up(db)],
  ['012-value-events', (db) => valueEvents.up(db)],
  ['013-analyst-data', analystData.up],
  ['014-blocklists', blocklists.up],
  ['015-users-settings', usersSettings.up],
  ['016-value-case', (db) => valueCase.up(db)],
  ['017-ids-never-reused', idsNeverReused.up],
  ['019-taxonomy-flags', (db) => taxonomyFlags.up(db)],
  ['021-role-limits', (db) => roleLimits.up(db)],
  ['023-custom-clusters', customClusters.up],
  ['027-proposals', proposals.up],
  ['029-event-delegations', eventDelegations.up],
  ['031-decaying-models', decayingModels.up],
  ['033-feeds', feeds.up],
  ['034-feed-values', (db) => feedValues.up(db)],
  ['035-servers', servers.up],
  ['036-event-locked', (db) => eventLocked.up(db)],
  ['037-server-runs', serverRuns.up],
  ['039-ordered-lookups', orderedLookups.up],
  ['042-feed-runs', feedRuns.up],
  ['043-narrow-attribute-columns', narrowAttributeColumns.up],
  ['046-server-run-counts', (db) => serverRunCounts.up(db)],
  ['047-cluster-locked', (db) => clusterLocked.up(db)],
  ['048-feed-correlation-permission', (db) => feedCorrelationPermission.up(db)],
  ['053-deleted-objects', deletedObjects.up],
];

class ListedMigrations implements MigrationProvider {
  constructor(private readonly dialect: SchemaDialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, up] of STEPS) out[name] = { up: (db) => up(db, this.dialect) };
    return out;
  }
}

/** The names of every migration, in the order they run. */
export const MIGRATIONS: readonly string[] = STEPS.map(([name]) => name);

function migrator(db: Kysely<unknown>, dialect: DialectName, schema: string | undefined): Migrator {
  // Kysely looks for its bookkeeping tables in every schema unless told which one is ours.
  return new Migrator({ db, provider: new ListedMigrations(schemaDialect(dialect)), ...(schema ? { migrationTableSchema: schema } : {}) });
}

function check({ error, results }: MigrationResultSet): void {
  if (!error) return;
  const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
  throw new Error(`database migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
}

/** Brings the schema up to date; each migration runs in its own transaction. */
export async function migrateToLatest(db: Kysely<unknown>, dialect: DialectName, schema?: string): Promise<void> {
  check(await migrator(db, dialect, schema).migrateToLatest());
}

/** Brings the schema up to the named migration, as a store of that version had it: what upgrade tests start from. */
export async function migrateTo(db: Kysely<unknown>, dialect: DialectName, target: string, schema?: string): Promise<void> {
  if (!MIGRATIONS.includes(target)) throw new Error(`no database migration is named "${target}"`);
  check(await migrator(db, dialect, schema).migrateTo(target));
}
