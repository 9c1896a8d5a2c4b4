import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { SchemaDialect } from './frozen/dialect.js';

/**
 * MISP's servers: the remote instances this one pulls from and pushes to, with MISP's per-server flags.
 * - `authkey` is the remote's API key sealed with the instance secret `server_authkey` (AES-256-GCM:
 *   nonce, tag, ciphertext); it is never answered, only decrypted by the sync client when it calls out.
 * - `org_id` is the local organisation that configured the link, `remote_org_id` the organisation the
 *   remote instance is (the owner of the events pulled from it).
 * - `pull_rules` / `push_rules` are MISP's JSON texts, kept as given so that MISP clients read them back.
 * - The instance's own uuid (MISP's MISP.uuid, which servers/getVersion tells remotes) is made here, as
 *   the setting `instance.uuid`: remotes recognise the instance by it.
 * - Ids are never handed out twice (as migration 017 made them for events): sharing_group_server rows
 *   and run histories name servers by id.
 */
export async function up(db: Kysely<unknown>, d: SchemaDialect): Promise<void> {
  let t = db.schema.createTable('server')
    .addColumn('id', 'integer', (c) => (d.name === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity()))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('authkey', d.binary, (c) => c.notNull())
    .addColumn('org_id', 'integer', (c) => c.notNull().references('organisation.id'))
    .addColumn('remote_org_id', 'integer', (c) => c.notNull().references('organisation.id'));
  for (const f of ['push', 'pull', 'push_sightings', 'push_galaxy_clusters', 'pull_galaxy_clusters', 'push_analyst_data', 'pull_analyst_data',
    'publish_without_email', 'unpublish_event', 'self_signed', 'internal', 'skip_proxy', 'remove_missing_tags', 'caching_enabled']) {
    t = t.addColumn(f, 'integer', (c) => c.notNull().defaultTo(0)) as typeof t;
  }
  await t
    .addColumn('pull_rules', 'text', (c) => c.notNull())
    .addColumn('push_rules', 'text', (c) => c.notNull())
    .addColumn('lastpulledid', 'integer')
    .addColumn('lastpushedid', 'integer')
    .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('server_remote_org').on('server').column('remote_org_id').execute();
  await (db as Kysely<{ instance_secret: { name: string; value: Buffer } }>)
    .insertInto('instance_secret').values({ name: 'server_authkey', value: randomBytes(32) }).execute();
  await (db as Kysely<{ setting: { name: string; value: string } }>)
    .insertInto('setting').values({ name: 'instance.uuid', value: randomUUID() }).execute();
}
