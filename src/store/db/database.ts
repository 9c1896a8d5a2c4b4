import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, type Compilable } from 'kysely';
import pg from 'pg';
import type { DialectName } from './dialect.js';
import { migrateToLatest } from './migrate.js';
import { replicaConfigFromEnv, type ReplicaConfig } from '../replicas/config.js';
import { ReplicaSet, replicaPool } from '../replicas/set.js';
import { ReadWriteSqliteDialect } from './sqlite-connections.js';
import { takeStartLock } from './start-lock.js';
import type { IdScope } from '../events/id-scope.js';
import type { Database } from './schema.js';

export interface StoreConfig {
  /** `postgres://…` selects PostgreSQL; otherwise the embedded SQLite file at `sqlitePath`. */
  databaseUrl?: string | undefined;
  sqlitePath?: string | undefined;
  /** PostgreSQL schema to work in (created when missing); lets tests share one database. */
  pgSchema?: string | undefined;
  /** SQLite's page cache in MB (default 256): large imports into large stores want more. */
  sqliteCacheMb?: number | undefined;
  /** Bring the schema up to date on opening (the default); a second connection of a process that did, does not. */
  migrate?: boolean | undefined;
  /** PostgreSQL: connections in the pool (default 10; CAIRN_PG_POOL_SIZE; `serve --workers N`: pgPoolSizeFor). */
  pgPoolSize?: number | undefined;
  /** PostgreSQL streaming replicas that take the heavy reads (CAIRN_DATABASE_REPLICA_URLS; src/store/replicas). */
  replicas?: ReplicaConfig | undefined;
}

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  /** A human-readable description of where the data lives. */
  readonly location: string;
  /** How it was opened: another thread of the process opens its own connections with it. */
  readonly config?: StoreConfig;
  /** Ids of rows that are never deleted (tags, organisations), shared by every writer of this process. */
  readonly idCache: IdScope;
  /** The raw SQLite connection, for the prepared statements of the bulk write path (store-internal). */
  readonly sqlite?: SQLite.Database;
  /** The raw SQLite connection that reads (the writer's for a store in memory), for readRowArrays (store-internal). */
  readonly sqliteReader?: SQLite.Database;
  /** Prepared statements of the bulk write path, by shape (store-internal). */
  readonly statements: Map<string, unknown>;
  /** The replicas the heavy reads may go to (readingStore in src/store/replicas), when configured. */
  readonly replicas?: ReplicaSet;
  close(): Promise<void>;
}

/** A prepared statement of the embedded store, as better-sqlite3 runs it. */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

/**
 * A statement of the embedded store's hot write path, prepared once and kept: Kysely's SQLite driver
 * prepares every query it runs, which costs more than running the small ones. `compile` gives the SQL,
 * compiled by Kysely, the first time the key is asked for.
 */
export function preparedStatement(store: Store, key: string, compile: () => string): SqliteStatement {
  let stmt = store.statements.get(key) as SqliteStatement | undefined;
  if (!stmt) {
    if (!store.sqlite) throw new Error('prepared statements are for the embedded store');
    stmt = store.sqlite.prepare(compile()) as unknown as SqliteStatement;
    store.statements.set(key, stmt);
  }
  return stmt;
}

/** A query run many times with some of its parameters changed, its rows read as arrays in select order. */
export interface RepeatedQuery {
  run(values: readonly unknown[]): Promise<unknown[][]>;
}

/**
 * Compiles a query once with placeholder values (numbers nothing else uses) standing for the
 * parameters that change, then runs it with the values given in their place. On the embedded store it
 * is prepared once, on the reading connection, and its rows come back as arrays: a scan of hundreds of
 * thousands of rows then pays neither Kysely's compiling per query nor an object per row. Like a read of
 * `store.db`, it runs outside any transaction and sees what is committed.
 */
export function repeatedQuery(store: Store, compiled: CompiledQuery, placeholders: readonly number[]): RepeatedQuery {
  const bind = binder(compiled, placeholders);
  // The reading connection: the writer's would show the rows of a write transaction this process holds open.
  const reader = store.sqliteReader;
  if (reader) {
    const stmt = reader.prepare(compiled.sql).raw(true);
    return { run: async (values) => stmt.all(...bind(values)) as unknown[][] };
  }
  return { run: async (values) => (await store.db.executeQuery(CompiledQuery.raw(compiled.sql, bind(values)))).rows.map((r) => Object.values(r as object)) };
}

/** The parameters of `compiled` with the values given in place of the placeholders, by position. */
function binder(compiled: CompiledQuery, placeholders: readonly number[]): (values: readonly unknown[]) => unknown[] {
  const slots = compiled.parameters.map((p) => placeholders.indexOf(p as number));
  return (values) => compiled.parameters.map((p, i) => (slots[i]! >= 0 ? values[slots[i]!] : p));
}

const precompiledQueries = new WeakMap<Kysely<Database>, Map<string, (values: readonly unknown[]) => CompiledQuery>>();

/**
 * A query that `build` makes with placeholders (numbers nothing else uses) for the parameters that
 * change, built and compiled by Kysely once per store and `key`; the compiled query with `values` in
 * their place. For the small reads of every request (the key's user, an event's parts): building and
 * compiling one costs more than SQLite's running it. `key` names the SQL exactly: every shape `build`
 * can make (a viewer's policy, a flag) has a key of its own.
 */
export function precompiled<R>(store: Store, key: string, build: () => Compilable<R>, placeholders: readonly number[], values: readonly unknown[]): CompiledQuery<R> {
  let kept = precompiledQueries.get(store.db);
  if (!kept) precompiledQueries.set(store.db, (kept = new Map()));
  let bound = kept.get(key);
  if (!bound) {
    const compiled = build().compile();
    const bind = binder(compiled, placeholders);
    if (store.dialect === 'postgres') keepPrepared(compiled.sql);
    bound = (v) => CompiledQuery.raw(compiled.sql, bind(v));
    kept.set(key, bound);
  }
  return bound(values) as CompiledQuery<R>;
}

/** The texts of precompiled queries on PostgreSQL, with the name each is prepared under. */
const preparedNames = new Map<string, string>();
/** Few shapes exist (a key names each); the bound only guards against a caller that varies its text. */
const PREPARED_KEPT = 256;

function keepPrepared(text: string): void {
  if (!preparedNames.has(text) && preparedNames.size < PREPARED_KEPT) preparedNames.set(text, `cairn_${preparedNames.size + 1}`);
}

/**
 * Runs the precompiled queries on a PostgreSQL connection as named statements: each is parsed and
 * planned once a connection, not on every request. They are small reads of many a request (the key's
 * user, an event's parts), whose planning cost PostgreSQL more than their running did. Kysely passes
 * no name, so the connection's query method adds one for a text that precompiled compiled.
 */
function preparingConnection(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  Object.assign(client, {
    query: (text: unknown, ...rest: unknown[]) => {
      const name = typeof text === 'string' ? preparedNames.get(text) : undefined;
      return name === undefined ? query(text, ...rest) : query({ name, text, values: rest[0] }, ...rest.slice(1));
    },
  });
}

/** Runs a query compiled once (precompiled), with `values` in place of its placeholders. */
export async function runPrecompiled<R>(store: Store, key: string, build: () => Compilable<R>, placeholders: readonly number[], values: readonly unknown[]): Promise<R[]> {
  return (await store.db.executeQuery(precompiled(store, key, build, placeholders, values))).rows;
}

const rowArrayStatements = new WeakMap<SQLite.Database, Map<string, SQLite.Statement>>();

/**
 * Runs a read (outside any transaction, as Kysely runs a read of `store.db`) and gives its rows as
 * arrays in select order. On the embedded store the statement is kept prepared on the reading
 * connection and builds no object per row: the ten thousand attributes of an event, twenty columns
 * each, read three times faster so.
 */
export async function readRowArrays(store: Store, compiled: CompiledQuery): Promise<unknown[][]> {
  const reader = store.sqliteReader;
  if (!reader) return (await store.db.executeQuery(compiled)).rows.map((r) => Object.values(r as object));
  let kept = rowArrayStatements.get(reader);
  if (!kept) rowArrayStatements.set(reader, (kept = new Map()));
  let stmt = kept.get(compiled.sql);
  // A statement still being iterated (none here: `all` reads to the end) would be busy: another then serves.
  if (!stmt || stmt.busy) {
    const fresh = reader.prepare(compiled.sql).raw(true);
    if (!stmt && kept.size < 256) kept.set(compiled.sql, fresh);
    stmt = fresh;
  }
  return stmt.all(...compiled.parameters) as unknown[][];
}

export const DEFAULT_SQLITE_PATH = 'data/cairn.db';
export const DEFAULT_PG_POOL_SIZE = 10;
/** Connections the server processes of one instance open together, by default (PostgreSQL allows 100). */
const PG_CONNECTIONS_PER_INSTANCE = 40;

/**
 * Connections per process for `cairn serve --workers N` on PostgreSQL: the instance's share divided among
 * its processes, from 4 (a request waiting on a query while another streams) to 10. A process runs one
 * thread of JavaScript: more connections than that queue work on the server's cores, not Cairn's.
 */
export function pgPoolSizeFor(workers: number): number {
  return Math.min(DEFAULT_PG_POOL_SIZE, Math.max(4, Math.floor(PG_CONNECTIONS_PER_INSTANCE / workers)));
}
export const DEFAULT_SQLITE_CACHE_MB = 256;

/**
 * The store the environment names: `DATABASE_URL` for PostgreSQL (in the schema `CAIRN_PG_SCHEMA`, when
 * set, with `CAIRN_PG_POOL_SIZE` connections a process), else `CAIRN_DB` or ./data/cairn.db, with
 * `CAIRN_SQLITE_CACHE_MB` as SQLite's page cache; CAIRN_DATABASE_REPLICA_URLS and CAIRN_REPLICA_MAX_LAG_SECONDS
 * name PostgreSQL streaming replicas for the heavy reads.
 */
export function storeConfigFromEnv(env: NodeJS.ProcessEnv = process.env): StoreConfig {
  const url = env.DATABASE_URL?.trim();
  const cache = env.CAIRN_SQLITE_CACHE_MB?.trim();
  if (cache && (!/^\d+$/.test(cache) || Number(cache) < 1)) {
    throw new Error(`CAIRN_SQLITE_CACHE_MB must be a whole number of megabytes, not "${cache}"`);
  }
  const schema = env.CAIRN_PG_SCHEMA?.trim();
  const pool = env.CAIRN_PG_POOL_SIZE?.trim();
  if (pool && (!/^\d+$/.test(pool) || Number(pool) < 1 || Number(pool) > 1000)) {
    throw new Error(`CAIRN_PG_POOL_SIZE must be a whole number of connections from 1 to 1000, not "${pool}"`);
  }
  const databaseUrl = url && /^postgres(ql)?:\/\//.test(url) ? url : undefined;
  const replicas = replicaConfigFromEnv(env, databaseUrl);
  return {
    ...(pool ? { pgPoolSize: Number(pool) } : {}),
    ...(replicas ? { replicas } : {}),
    databaseUrl,
    ...(schema ? { pgSchema: schema } : {}),
    sqlitePath: env.CAIRN_DB?.trim() || DEFAULT_SQLITE_PATH,
    sqliteCacheMb: cache ? Number(cache) : undefined,
  };
}

function int8AsNumber(): pg.CustomTypesConfig {
  // Ids and epoch seconds fit in a double; without this pg hands BIGINT back as text.
  const INT8 = 20;
  return {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
  };
}

async function openPostgres(config: StoreConfig & { databaseUrl: string }): Promise<Store> {
  const schema = config.pgSchema;
  if (schema && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid PostgreSQL schema name "${schema}"`);
  if (schema) {
    const client = new pg.Client({ connectionString: config.databaseUrl });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      await client.end();
    }
  }
  const settings: pg.PoolConfig = {
    types: int8AsNumber(),
    max: config.pgPoolSize ?? DEFAULT_PG_POOL_SIZE,
    // No JIT: Cairn's queries are short, and a plan estimated above jit_above_cost (a value lookup before
    // the table's statistics caught up with an import) spent 20 ms compiling for 0.7 ms of work.
    options: ['-c jit=off', ...(schema ? [`-c search_path=${schema}`] : [])].join(' '),
  };
  const pool = new pg.Pool({ ...settings, connectionString: config.databaseUrl });
  pool.on('connect', preparingConnection);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  if (config.migrate !== false) await migrateToLatest(db as unknown as Kysely<unknown>, 'postgres', schema ?? 'public');
  const where = new URL(config.databaseUrl);
  const store = makeStore(db, 'postgres', `postgres://${where.host}${where.pathname}${schema ? ` (schema ${schema})` : ''}`, config);
  if (!config.replicas?.urls.length) return store;
  // The replicas are checked once before the store is handed out: the first reads already know which to use.
  const replicas = new ReplicaSet(db, config.replicas, (url) => replicaPool(url, settings));
  await replicas.start();
  return { ...store, replicas, close: async () => {
    await replicas.close();
    await store.close();
  } };
}

/** Distinct SQL texts kept prepared; queries with IN lists of many lengths pass through without filling it. */
const STATEMENTS_KEPT = 512;

/**
 * The connection as Kysely sees it, keeping the statements it prepares: Kysely's SQLite driver prepares
 * every query it runs, which costs as much as running a small one. A statement still being iterated is
 * busy, and then another is prepared for the same text.
 */
function withStatementCache(sqlite: SQLite.Database): { prepare(sql: string): SQLite.Statement; close(): void } {
  const kept = new Map<string, SQLite.Statement>();
  return {
    prepare(sql) {
      const stmt = kept.get(sql);
      if (stmt && !stmt.busy) {
        // Most recently used last: the first entry is the one to drop.
        kept.delete(sql);
        kept.set(sql, stmt);
        return stmt;
      }
      const fresh = sqlite.prepare(sql);
      if (!stmt) {
        kept.set(sql, fresh);
        if (kept.size > STATEMENTS_KEPT) kept.delete(kept.keys().next().value as string);
      }
      return fresh;
    },
    close: () => sqlite.close(),
  };
}

async function openSqlite(config: StoreConfig): Promise<Store> {
  const path = config.sqlitePath ?? DEFAULT_SQLITE_PATH;
  const cacheMb = config.sqliteCacheMb ?? DEFAULT_SQLITE_CACHE_MB;
  const file = path === ':memory:' ? path : resolve(path);
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  // 8 KB pages for a new store (one made before keeps its own): B-trees of millions of random keys are a
  // level shallower, so an import looks up fewer pages (10M import 194 s -> 183 s), while a small write
  // still rewrites few bytes per page it touches (16 KB: 171 s, but events/add fell from ~135/s to ~105/s).
  sqlite.pragma('page_size = 8192');
  sqlite.pragma('journal_mode = WAL');
  // WAL with synchronous=NORMAL is durable across process crashes, which is what one-transaction-per-event needs.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // Random uuid and value keys make index pages the working set of a large import: they should fit.
  sqlite.pragma(`cache_size = -${cacheMb * 1024}`);
  // Another process writing (a second server, an import holding a transaction up to 30 s) is waited for
  // on timers by the connection (sqlite-connections.ts); the thread itself only ever waits a moment.
  sqlite.pragma('busy_timeout = 5');
  // Checkpoint once the WAL holds 1 GB rather than 4 MB: a large import rewrites the same index pages
  // commit after commit, and each checkpoint copies them into the database again (measured: +15% on 10M).
  const pageSize = Number(sqlite.pragma('page_size', { simple: true }));
  sqlite.pragma(`wal_autocheckpoint = ${Math.round(2 ** 30 / pageSize)}`);
  // Reads on a connection of their own see what is committed while a write transaction is open.
  const reader = file === ':memory:' ? undefined : new SQLite(file);
  if (reader) {
    reader.pragma(`cache_size = -${cacheMb * 1024}`);
    reader.pragma('busy_timeout = 60000');
  }
  const writer = withStatementCache(sqlite);
  const db = new Kysely<Database>({ dialect: new ReadWriteSqliteDialect(writer, reader ? withStatementCache(reader) : writer) });
  if (config.migrate !== false) await migrateToLatest(db as unknown as Kysely<unknown>, 'sqlite');
  return makeStore(db, 'sqlite', file, { ...config, sqlitePath: file }, sqlite, reader ?? sqlite);
}

function makeStore(db: Kysely<Database>, dialect: DialectName, location: string, config: StoreConfig, sqlite?: SQLite.Database, sqliteReader?: SQLite.Database): Store {
  return {
    db,
    dialect,
    location,
    config,
    idCache: { tags: new Map(), orgs: new Map(), values: new Map() },
    ...(sqlite ? { sqlite } : {}),
    ...(sqliteReader ? { sqliteReader } : {}),
    statements: new Map(),
    close: () => db.destroy(),
  };
}

/**
 * Opens the store, bringing its schema up to date unless told not to. A process that migrates does so
 * under the store's start lock (start-lock.ts), and runs `firstStart` (making the first admin) under it
 * too: processes started at once on an empty store take their turns, and the later ones find it set up.
 */
export async function openStore(config: StoreConfig = storeConfigFromEnv(), firstStart?: (store: Store) => Promise<void>): Promise<Store> {
  const open = () => (config.databaseUrl ? openPostgres({ ...config, databaseUrl: config.databaseUrl }) : openSqlite(config));
  const path = config.sqlitePath ?? DEFAULT_SQLITE_PATH;
  if (config.migrate === false || (!config.databaseUrl && path === ':memory:')) {
    const store = await open();
    await setUp(store, firstStart);
    return store;
  }
  if (!config.databaseUrl) mkdirSync(dirname(resolve(path)), { recursive: true });
  const lock = await takeStartLock(config.databaseUrl
    ? { databaseUrl: config.databaseUrl, schema: config.pgSchema ?? 'public' } : { sqliteFile: resolve(path) });
  try {
    const store = await open();
    await setUp(store, firstStart);
    return store;
  } finally {
    await lock.release();
  }
}

async function setUp(store: Store, firstStart: ((store: Store) => Promise<void>) | undefined): Promise<void> {
  try {
    await firstStart?.(store);
  } catch (err) {
    await store.close();
    throw err;
  }
}
