/** Settings of the read replicas, as the environment gives them (storeConfigFromEnv). */
export interface ReplicaConfig {
  /** `postgres://` URLs of PostgreSQL streaming replicas of the primary (DATABASE_URL). */
  urls: string[];
  /** A replica further behind the primary than this is left out until it catches up. */
  maxLagSeconds: number;
}

/**
 * Seconds a replica may be behind before its reads go to the primary instead: long enough that a replica
 * busy replaying a large import is not dropped at every burst, short enough that what a search answers
 * is as current as a user waiting on it would accept.
 */
export const DEFAULT_REPLICA_MAX_LAG_SECONDS = 10;

/**
 * CAIRN_DATABASE_REPLICA_URLS (comma-separated `postgres://` URLs) and CAIRN_REPLICA_MAX_LAG_SECONDS.
 * Every mistake names the variable and the entry at fault: a replica silently ignored would be an
 * operator believing reads are spread when they are not. Undefined when no replica is named.
 */
export function replicaConfigFromEnv(env: NodeJS.ProcessEnv, primaryUrl: string | undefined): ReplicaConfig | undefined {
  const raw = env.CAIRN_DATABASE_REPLICA_URLS?.trim();
  const lag = env.CAIRN_REPLICA_MAX_LAG_SECONDS?.trim();
  if (lag && (!/^\d+(\.\d+)?$/.test(lag) || Number(lag) <= 0)) {
    throw new Error(`CAIRN_REPLICA_MAX_LAG_SECONDS must be a positive number of seconds, not "${lag}"`);
  }
  if (!raw) return undefined;
  if (!primaryUrl) {
    throw new Error('CAIRN_DATABASE_REPLICA_URLS names PostgreSQL replicas, but DATABASE_URL names no PostgreSQL primary (postgres://…): replicas serve reads of a PostgreSQL store only');
  }
  const urls = raw.split(',').map((u) => u.trim());
  urls.forEach((url, i) => {
    const where = `CAIRN_DATABASE_REPLICA_URLS entry ${i + 1}`;
    if (url === '') throw new Error(`${where} is empty (two commas in a row, or one at an end)`);
    // The entry is quoted without its password: error messages end up in logs.
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error(`${where} is not a URL: "${redacted(url)}" (expected postgres://user@host:port/database)`);
    }
    if (!/^postgres(ql)?:$/.test(parsed.protocol)) throw new Error(`${where} must start with postgres:// or postgresql://, not "${redacted(url)}"`);
    if (!parsed.hostname) throw new Error(`${where} names no host: "${redacted(url)}"`);
    if (sameServer(parsed, new URL(primaryUrl))) throw new Error(`${where} is the primary itself (DATABASE_URL): "${redacted(url)}"`);
  });
  if (new Set(urls.map((u) => serverOf(new URL(u)))).size !== urls.length) throw new Error('CAIRN_DATABASE_REPLICA_URLS names the same replica twice');
  return { urls, maxLagSeconds: lag ? Number(lag) : DEFAULT_REPLICA_MAX_LAG_SECONDS };
}

const serverOf = (u: URL) => `${u.hostname.toLowerCase()}:${u.port || '5432'}${u.pathname}`;
const sameServer = (a: URL, b: URL) => serverOf(a) === serverOf(b);

/** The URL without its password, for messages. */
export function redacted(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}
