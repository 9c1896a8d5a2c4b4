import { Type, type Static } from 'typebox';
import { Doc, EpochText, IdText, Nullable, SqlDatetime, UuidText } from './answer-fields.js';

/*
 * What the feed and remote-server administration answers (routes/feeds.ts, feed-caches.ts, servers.ts),
 * and a feed hit as an attribute of events/view carries it with includeFeedCorrelations (services/feeds/hits.ts).
 */

const Count = () => Type.Integer({ minimum: 0 });

/** What a feed's run did (services/feeds/run.ts): kept with the feed as its last run, and answered by fetchFromFeed. */
export const FeedRunResult = Doc({
  feedId: Type.Integer(), kind: Type.Union([Type.Literal('fetch'), Type.Literal('cache')]),
  started: Type.Integer({ description: 'seconds since the epoch' }), finished: Type.Integer({ description: 'seconds since the epoch' }),
  outcome: Type.Union([Type.Literal('done'), Type.Literal('not-modified'), Type.Literal('failed')]),
  events: Doc({ created: Count(), updated: Count(), unchanged: Count(), refused: Count(), filtered: Count() }),
  attributes: Count(), values: Count(), errors: Type.Array(Type.String()),
});
export type FeedRunResult = Static<typeof FeedRunResult>;

/** feeds/runs/ID: the feed's recent runs (fetches and caching runs), newest first. */
export const FeedRuns = Doc({ runs: Type.Array(Doc({ id: Type.Integer(), ...FeedRunResult.properties })) });
export type FeedRuns = Static<typeof FeedRuns>;

export const Feed = Doc({
  id: IdText(), name: Type.String(), provider: Type.String(), url: Type.String(), rules: Type.String(), enabled: Type.Boolean(),
  distribution: Type.String(), sharing_group_id: IdText(), tag_id: IdText(), default: Type.Boolean(),
  source_format: Type.String({ description: 'misp, csv, freetext or taxii' }), fixed_event: Type.Boolean(), delta_merge: Type.Boolean(), event_id: IdText(),
  publish: Type.Boolean(), override_ids: Type.Boolean(), settings: Type.String({ description: 'JSON text: csv.value, csv.delimiter, common.excluderegex' }),
  input_source: Type.String({ description: 'network or local' }), delete_local_file: Type.Boolean(), lookup_visible: Type.Boolean(),
  caching_enabled: Type.Boolean(), force_to_ids: Type.Boolean(), orgc_id: IdText(),
  headers: Type.Optional(Type.String({ description: 'site admins only' })),
  interval_minutes: IdText('minutes between scheduled fetches; "0" when none'),
  cache_timestamp: Type.Union([Type.Literal(false), EpochText()], { description: 'when its values were last cached; false when never' }),
  fetched_at: Nullable(SqlDatetime()), last_result: Nullable(FeedRunResult),
  cached_elements: Type.Optional(IdText('feeds/view: how many values its cache holds')),
  coverage_by_other_feeds: Type.Optional(Type.String({ description: 'feeds/view: the share of its values other caching feeds hold, such as 50%' })),
});
export type Feed = Static<typeof Feed>;

export const FeedEntry = Doc({ Feed, Tag: Type.Optional(Doc({ id: IdText(), name: Type.String() })) });
export type FeedEntry = Static<typeof FeedEntry>;

export const Feeds = Type.Array(FeedEntry);

export const FeedFetched = Doc({
  result: Type.String({ description: "MISP's sentence for what the fetch did" }),
  run: Type.Optional(FeedRunResult),
});
export type FeedFetched = Static<typeof FeedFetched>;

const ComparedFeedFields = {
  id: IdText(), name: Type.String(), provider: Type.String(), url: Type.String(), source_format: Type.String(), input_source: Type.String(),
  default: Type.Boolean(), values: Count(),
};

/** feeds/compareFeeds: each cached feed with the values it shares with every other. */
export const FeedComparison = Type.Array(Doc({
  Feed: Doc({
    ...ComparedFeedFields,
    ComparedFeed: Type.Array(Doc({ ...ComparedFeedFields, overlap_count: Count(), overlap_percentage: Type.Integer({ minimum: 0, maximum: 100, description: 'of the outer feed\'s values' }) })),
  }),
}));
export type FeedComparison = Static<typeof FeedComparison>;

/** A cached feed holding an attribute's value (events/view with includeFeedCorrelations). */
export const FeedHit = Doc({
  id: IdText(), name: Type.String(), url: Type.String(), provider: Type.String(), source_format: Type.String(), lookup_visible: Type.Boolean(),
  event_uuids: Type.Optional(Type.Array(UuidText(), { description: 'the feed events holding it (MISP feeds)' })),
});
export type FeedHit = Static<typeof FeedHit>;

/** MISP's per-server flags, as servers/index answers them (store/servers.ts SERVER_FLAGS). */
const SERVER_FLAG_NAMES = [
  'push', 'pull', 'push_sightings', 'push_galaxy_clusters', 'pull_galaxy_clusters', 'push_analyst_data', 'pull_analyst_data',
  'publish_without_email', 'unpublish_event', 'self_signed', 'internal', 'skip_proxy', 'remove_missing_tags', 'caching_enabled',
] as const;
export type ServerFlag = (typeof SERVER_FLAG_NAMES)[number];

const ServerOrg = () => Doc({ id: IdText(), name: Type.String(), uuid: UuidText(), local: Type.Boolean() });

/** A remote instance: every column but its key, which is never shown once given. */
export const Server = Doc({
  id: IdText(), name: Type.String(), url: Type.String(), org_id: IdText(), remote_org_id: IdText(),
  ...Object.fromEntries(SERVER_FLAG_NAMES.map((f) => [f, Type.Boolean()])) as { [F in ServerFlag]: ReturnType<typeof Type.Boolean> },
  lastpulledid: Nullable(IdText()), lastpushedid: Nullable(IdText()),
  pull_rules: Type.String({ description: "MISP's JSON of the pull rules" }), push_rules: Type.String({ description: "MISP's JSON of the push rules" }),
  priority: IdText(),
});
export type Server = Static<typeof Server>;

export const ServerEntry = Doc({ Server, Organisation: ServerOrg(), RemoteOrg: ServerOrg() });
export type ServerEntry = Static<typeof ServerEntry>;

export const Servers = Type.Array(ServerEntry);

export const ServerSaved = Doc({ Server });
export type ServerSaved = Static<typeof ServerSaved>;

/** One pull or push run with a remote, as servers/runs/ID answers it. */
export const ServerRun = Doc({
  id: Type.Integer(), server_id: Type.Integer(), kind: Type.Union([Type.Literal('pull'), Type.Literal('push')]),
  scope: Type.String({ description: 'full, incremental, or the uuid or id of one event' }),
  status: Type.Union([Type.Literal('running'), Type.Literal('ok'), Type.Literal('failed')]),
  started: Type.String({ description: 'ISO 8601' }), finished: Nullable(Type.String({ description: 'ISO 8601' })),
  pulled: Count(), pushed: Count(), refused: Count(), error: Nullable(Type.String()),
  refusals: Type.Array(Doc({ event: Type.String({ description: 'the event uuid' }), reason: Type.String() })),
  sightings: Count(), proposals: Count(), clusters: Count(), analyst_data: Count(),
});
export type ServerRun = Static<typeof ServerRun>;

export const ServerRuns = Doc({ runs: Type.Array(ServerRun) });
export type ServerRuns = Static<typeof ServerRuns>;

/** feeds/previewIndex: a MISP feed's manifest (its events by uuid), or a CSV or free-text feed's values, a page at a time. */
export const FeedPreview = Type.Union([
  Type.Record(Type.String(), Doc({
    info: Type.Optional(Type.String()), date: Type.Optional(Type.String()), timestamp: Type.Optional(Type.Union([Type.String(), Type.Integer()])),
    Orgc: Type.Optional(Doc({ name: Type.Optional(Type.String()) })),
    Tag: Type.Optional(Type.Array(Doc({ name: Type.Optional(Type.String()) }))),
  }), { description: 'a MISP feed: its manifest, each event by uuid' }),
  Type.Array(Doc({ value: Type.String(), type: Type.String(), category: Nullable(Type.String()), to_ids: Type.Boolean(), comment: Type.Optional(Type.String()) }),
    { description: 'a CSV or free-text feed: its values' }),
]);
export type FeedPreview = Static<typeof FeedPreview>;

/**
 * servers/testConnection/ID, as MISP answers it: status 1 the remote answered and accepted the key (then
 * its version, and `post` the status of the POST test), 2 unreachable, 3 an unexpected answer, 4
 * authentication failed, 5 password change required, 6 terms not accepted, 7 not a sync user, 8 a
 * sightings-only user.
 */
export const ServerConnection = Doc({
  status: Type.Integer({ minimum: 1, maximum: 8 }),
  local_version: Type.Optional(Type.String()), version: Type.Optional(Type.String()),
  mismatch: Type.Optional(Type.Union([Type.Literal(false), Type.String()])), newer: Type.Optional(Type.Union([Type.Literal(false), Type.String()])),
  post: Type.Optional(Type.Union([Type.Integer(), Type.Boolean(), Type.String()], { description: '1 the POST test came back whole; 8, 9, 10 it did not' })),
  uuid: Type.Optional(Type.String()), message: Type.Optional(Type.String()),
});
export type ServerConnection = Static<typeof ServerConnection>;

/** What a pull or push started with servers/pull or servers/push says: MISP's sentence. */
export const ServerSyncStarted = Doc({ message: Type.Optional(Type.String()), name: Type.Optional(Type.String()) });
export type ServerSyncStarted = Static<typeof ServerSyncStarted>;

/** feeds/searchCaches with one value: the cached feeds holding it, with the feed events (MISP feeds) or the feed's index to open. */
export const FeedCacheHits = Type.Array(Doc({
  Feed: Doc({
    id: IdText(), name: Type.String(), url: Type.String(), source_format: Type.String(), type: Type.String({ description: 'MISP Feed or Feed' }),
    uuid: Type.Optional(Type.Array(UuidText(), { description: 'the feed events holding it' })),
    direct_urls: Type.Array(Doc({ url: Type.String(), name: Type.String() })),
  }),
}));
export type FeedCacheHits = Static<typeof FeedCacheHits>;

/** events/freeTextImport/ID with returnMetaAttributes: each indicator found, with its MISP type and the others it could be. */
export const FreeTextFound = Type.Array(Doc({
  value: Type.String(), original_value: Type.String({ description: 'as written in the text (defanged, say)' }),
  default_type: Type.String(), types: Type.Record(Type.String(), Type.String(), { description: 'every type it could be, each keyed by itself (MISP\'s shape)' }),
  to_ids: Type.Boolean(), comment: Type.Optional(Type.String()),
}));
export type FreeTextFound = Static<typeof FreeTextFound>;

/** events/freeTextImport/ID: what it found (returnMetaAttributes), or what it added (the saved attributes with disable_background_processing, else what it set out to add). */
export const FreeTextImported = Type.Union([FreeTextFound, Type.Array(Doc({ Attribute: Doc({ id: IdText(), value: Type.String(), type: Type.String() }) }))]);
