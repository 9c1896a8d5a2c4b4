import { PERMISSIONS } from '../../access/roles.js';
import type { User } from '../../access/user.js';
import type { Store } from '../../store/db/database.js';
import { findOrganisationById, hostOrganisationId } from '../../store/access/organisations.js';
import { tagNameById } from '../../store/tags.js';
import type { Feed } from '../../store/feeds.js';
import { ServiceError } from '../errors.js';
import type { Actor, EventWriter, ImportEntry } from '../import/pipeline.js';
import type { SourceOptions } from './source.js';

/** What a run of a feed did, kept with the feed (its last run) and answered to whoever asked for it. */
export interface FeedRunResult {
  feedId: number;
  kind: 'fetch' | 'cache';
  /** Seconds since the epoch. */
  started: number;
  finished: number;
  outcome: 'done' | 'not-modified' | 'failed';
  events: { created: number; updated: number; unchanged: number; refused: number; filtered: number };
  /** Attributes written (fetch), values cached (cache). */
  attributes: number;
  values: number;
  errors: string[];
}

export function emptyResult(feed: Feed, kind: FeedRunResult['kind']): FeedRunResult {
  const now = Math.floor(Date.now() / 1000);
  return {
    feedId: feed.id, kind, started: now, finished: now, outcome: 'done',
    events: { created: 0, updated: 0, unchanged: 0, refused: 0, filtered: 0 }, attributes: 0, values: 0, errors: [],
  };
}

/** Counts one event the pipeline handled into a run's result. */
export function countEntry(result: FeedRunResult, entry: ImportEntry): void {
  if (entry.status === 'refused') {
    result.events.refused++;
    result.errors.push(`${entry.uuid || entry.source}: ${entry.reason ?? 'refused'}`);
  } else result.events[entry.status]++;
  result.attributes += entry.storedAttributes;
}

/** What a run needs: the store, the one writer of this server, and how to read feeds. */
export interface FeedRunContext {
  store: Store;
  writer: EventWriter;
  source: SourceOptions;
}

/**
 * Who a feed's events are imported as: a member of the host organisation with the rights of a sync
 * user, so that they are that organisation's events, keep the creator the feed names, and pass the
 * same policy as any import (an event of that uuid held by another organisation is not taken over).
 */
export async function feedActor(store: Store): Promise<Actor> {
  const hostId = await hostOrganisationId(store);
  const host = hostId === undefined ? undefined : await findOrganisationById(store, hostId);
  if (!host) throw new ServiceError('invalid', 'The instance has no host organisation to own the feeds\' events.');
  const sync = PERMISSIONS.filter((p) => ['perm_add', 'perm_modify', 'perm_modify_org', 'perm_publish', 'perm_sync', 'perm_tagger', 'perm_sharing_group', 'perm_tag_editor'].includes(p));
  const user: User = {
    id: 0, email: 'feeds@cairn', disabled: false, created: 0,
    org: { id: host.id, uuid: host.uuid, name: host.name, local: true },
    role: { id: 0, name: 'Feed fetcher', permissions: sync }, fetchesFeeds: true,
  };
  return { kind: 'user', user };
}

/** The name of the feed's tag, if it has one that still exists. */
export async function feedTag(store: Store, feed: Feed): Promise<string | undefined> {
  return feed.tagId ? tagNameById(store, feed.tagId) : undefined;
}

/** The creator of a CSV or free-text feed's event: the feed's organisation, else the host organisation. */
export async function feedCreator(store: Store, feed: Feed, actor: Actor): Promise<{ uuid: string; name: string }> {
  const org = feed.orgcId ? await findOrganisationById(store, feed.orgcId) : undefined;
  if (org) return { uuid: org.uuid, name: org.name };
  if (actor.kind !== 'user') throw new ServiceError('invalid', 'a feed is imported as its organisation');
  return { uuid: actor.user.org.uuid, name: actor.user.org.name };
}
