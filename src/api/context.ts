import type { LibraryCache } from '../services/caches/libraries.js';
import type { SettingsCache } from '../services/caches/settings.js';
import type { ExportThreads } from '../services/export/threads.js';
import type { WriteQueue } from '../services/write-queue.js';
import type { SyncRunner } from '../services/sync/runner.js';
import type { Store } from '../store/db/database.js';
import type { FailedAuthLimit } from './auth-limit.js';
import type { WebSessions } from './web-session.js';

/** What every plugin of the server is handed: one server's store, caches, write queue and sessions. */
export interface ApiContext {
  readonly store: Store;
  readonly settings: SettingsCache;
  readonly writes: WriteQueue;
  readonly libraries: LibraryCache;
  readonly sessions: WebSessions;
  /** Wrong keys (per address) and passwords (per address and account), counted in the store. */
  readonly failures: FailedAuthLimit;
  /** The folders the libraries' `update` actions reload from (CAIRN_LIBRARIES); none: they answer that none is configured. */
  readonly libraryDirs: readonly string[];
  /** Where exports of events are produced, off the server's thread; without, on it. */
  readonly exportThreads?: ExportThreads | undefined;
  /** Largest request body accepted, in bytes. */
  readonly bodyLimit: number;
  /** Pulls from and pushes to the remote servers, in the background (servers/pull, servers/push, publish). */
  readonly sync: SyncRunner;
}
