import { sql, type Kysely } from 'kysely';
import type { SchemaDialect } from './frozen/dialect.js';
import { pointAttributesAtValues } from './frozen/value-rows.js';

/**
 * The value index: each distinct value once, numbered; attributes point at it. It carries the number of
 * events that correlate on the value (over-correlation without counting) and, for addresses and CIDR
 * ranges, the network they cover (CIDR correlation by range lookup).
 */
export async function up(db: Kysely<unknown>, d: SchemaDialect): Promise<void> {
  await d.idColumn(db.schema.createTable('value'))
    // The value's hash; unique, a colliding value takes the next free key (see frozen/value-rows.ts).
    .addColumn('key', 'bigint', (c) => c.notNull().unique())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('events', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('ip_first', d.binary)
    .addColumn('ip_prefix', 'integer')
    .execute();
  await db.schema.createIndex('value_ip').on('value').columns(['ip_first', 'ip_prefix']).where(sql.ref('ip_first'), 'is not', null).execute();
  // Ranges are few beside single addresses: this index lists the prefix lengths in use without a scan.
  await db.schema.createIndex('value_ip_range').on('value').column('ip_prefix').where(sql.ref('ip_prefix'), '<', 128).execute();

  await db.schema.alterTable('attribute').renameColumn('value1_key', 'value1_id').execute();
  await db.schema.alterTable('attribute').renameColumn('value2_key', 'value2_id').execute();
  // The counts of events are made by migration 012, which moved them to a table of their own.
  await pointAttributesAtValues(db);
}
