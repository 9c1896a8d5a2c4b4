import type { Generated } from 'kysely';
import type { Flag } from './column-types.js';

// The tables of what Cairn exchanges with other sources (decaying models from their library, remote
// servers and their runs, feeds, their runs and cached values), apart from the core tables in schema.ts.

/** MISP's decaying models of indicators (migration 031); `is_default`: read from the misp-decaying-models library. */
export interface DecayingModelTable {
  id: Generated<number>;
  uuid: string;
  name: string;
  description: string;
  /** JSON: lifetime, decay_speed, threshold, default_base_score, base_score_config, settings. */
  parameters: string;
  /** JSON list: the attribute types a library model scores (its linked types are in decaying_model_mapping). */
  attribute_types: string;
  /** JSON list of references. */
  ref: string;
  formula: string;
  version: number;
  org_id: number;
  enabled: number;
  all_orgs: number;
  is_default: number;
}

/** The attribute types linked to a decaying model (migration 031). */
export interface DecayingModelMappingTable {
  id: Generated<number>;
  model_id: number;
  attribute_type: string;
}

/** MISP's servers (migration 035): remote instances to pull from and push to. */
export interface ServerTable {
  id: Generated<number>;
  name: string;
  url: string;
  /** The remote's API key, sealed with the instance secret `server_authkey` (src/store/servers.ts). */
  authkey: Buffer;
  /** The local organisation that configured the link. */
  org_id: number;
  /** The organisation the remote instance is. */
  remote_org_id: number;
  push: Generated<Flag>;
  pull: Generated<Flag>;
  push_sightings: Generated<Flag>;
  push_galaxy_clusters: Generated<Flag>;
  pull_galaxy_clusters: Generated<Flag>;
  push_analyst_data: Generated<Flag>;
  pull_analyst_data: Generated<Flag>;
  publish_without_email: Generated<Flag>;
  unpublish_event: Generated<Flag>;
  self_signed: Generated<Flag>;
  internal: Generated<Flag>;
  skip_proxy: Generated<Flag>;
  remove_missing_tags: Generated<Flag>;
  caching_enabled: Generated<Flag>;
  /** MISP's JSON texts. */
  pull_rules: string;
  push_rules: string;
  lastpulledid: number | null;
  lastpushedid: number | null;
  priority: number;
  /** Minutes between scheduled pulls and pushes (migration 037); 0: only when asked. */
  pull_interval: Generated<number>;
  push_interval: Generated<number>;
  pull_scheduled_at: number | null;
  push_scheduled_at: number | null;
  /** The claim of the run under way (seconds), null when none runs. */
  running_since: number | null;
  /** The ETag of the remote's event index at the last complete pull. */
  index_etag: string | null;
}

/** A pull or push of a server (migration 037), the history site admins read. */
export interface ServerRunTable {
  id: Generated<number>;
  server_id: number;
  kind: string;
  scope: string;
  status: string;
  started: number;
  finished: number | null;
  pulled: Generated<number>;
  pushed: Generated<number>;
  refused: Generated<number>;
  error: string | null;
  /** JSON text: [{event, reason}]. */
  refusals: Generated<string>;
  /** What else crossed (migration 046). */
  sightings: Generated<number>;
  proposals: Generated<number>;
  clusters: Generated<number>;
  analyst_data: Generated<number>;
}

/** Each feed's recent runs (migration 042); `result` is the run's result as JSON text. */
export interface FeedRunTable {
  id: Generated<number>;
  feed_id: number;
  kind: string;
  outcome: string;
  started: number;
  finished: number;
  result: string;
}

/** MISP's feeds (migration 033): flags as 0/1, `is_default` is MISP's `default`; the last columns are Cairn's fetch state. */
export interface FeedTable {
  id: Generated<number>;
  name: string;
  provider: string;
  url: string;
  rules: string | null;
  enabled: Generated<number>;
  distribution: Generated<number>;
  sharing_group_id: Generated<number>;
  tag_id: Generated<number>;
  is_default: Generated<number>;
  source_format: Generated<string>;
  fixed_event: Generated<number>;
  delta_merge: Generated<number>;
  event_id: Generated<number>;
  publish: Generated<number>;
  override_ids: Generated<number>;
  settings: string | null;
  input_source: Generated<string>;
  delete_local_file: Generated<number>;
  lookup_visible: Generated<number>;
  headers: string | null;
  caching_enabled: Generated<number>;
  force_to_ids: Generated<number>;
  orgc_id: Generated<number>;
  tag_collection_id: Generated<number>;
  interval_minutes: Generated<number>;
  etag: string | null;
  last_modified: string | null;
  cursor: string | null;
  fetched_at: number | null;
  cached_at: number | null;
  last_result: string | null;
}

/** A value a cached feed holds (migration 034), by the first 52 bits of its MD5 (MISP's hashes.csv). */
export interface FeedValueTable {
  feed_id: number;
  hash: number;
  value: string | null;
  event_uuid: string | null;
}
