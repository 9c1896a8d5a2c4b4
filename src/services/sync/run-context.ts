import type { Store } from '../../store/db/database.js';
import type { RunRefusal } from '../../store/server-runs.js';
import type { Server } from '../../store/servers.js';
import type { EventWriter } from '../import/pipeline.js';
import type { RemoteClient } from './client.js';

/** What a run counts as it goes; kept with the run (servers/runs). */
export interface SyncCounts {
  pulled: number;
  pushed: number;
  sightings: number;
  proposals: number;
  /** Custom galaxy clusters pulled or pushed. */
  clusters: number;
  /** Notes, opinions and relationships pulled or pushed. */
  analystData: number;
  refusals: RunRefusal[];
}

/** What a pull or a push works with: the store, the server's one writer, the client of the remote, and the run's counts. */
export interface SyncRunContext {
  store: Store;
  writer: EventWriter;
  server: Server;
  client: RemoteClient;
  counts: SyncCounts;
  refuse(event: string, reason: string): void;
}
