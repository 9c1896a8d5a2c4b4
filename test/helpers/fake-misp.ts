import { createHash, randomUUID } from 'node:crypto';
import { scriptedPeer, type LoopbackPeer, type PeerAnswer } from './sync-peers.js';

/**
 * A fake MISP 2.5.1 remote (MISP-B of ../shared/reference/misp-sync-wire.md): it answers getVersion,
 * postTest, the minimal event index (ETag, 304 to If-None-Match), events/view with MISP's pull named
 * parameters only, filterEventIdsForPush, HEAD events/view, events/add (404 with Location for a uuid it
 * holds) and events/edit, galaxy clusters (restSearch, view, pushCluster), proposals (shadow_attributes/index)
 * and analyst data (indexMinimal, index by uuid, filterAnalystDataForPush, pushAnalystData), as that record
 * and MISP's ServerSyncTool show; every request is logged with its body decoded.
 */
export interface FakeMisp extends LoopbackPeer {
  key: string;
  /** Events it holds, by uuid (MISP JSON as it answers them). */
  events: Map<string, { Event: Record<string, unknown> }>;
  /** Uuids its HEAD denies although it holds them (the case MISP's push meets 404 + Location on add). */
  hiddenFromHead: Set<string>;
  /** Published custom clusters it holds, by uuid, as galaxy_clusters/view answers them; those pushed to it land here too. */
  clusters: Map<string, { GalaxyCluster: Record<string, unknown> }>;
  /** Proposals its shadow_attributes/index lists (MISP's {ShadowAttribute: …} entries). */
  proposals: Array<{ ShadowAttribute: Record<string, unknown> }>;
  /** Notes it holds, by uuid ({Note: …} as analyst_data/index answers them); those pushed to it land here too. */
  notes: Map<string, { Note: Record<string, unknown> }>;
}

export const MISP_VIEW_PARAMS = 'deleted[]:0/deleted[]:1/excludeGalaxy:1/includeEventCorrelations:0/includeFeedCorrelations:0/includeWarninglistHits:0/excludeLocalTags:1';
export const CERT_FR = { id: '2', name: 'CERT-FR', uuid: '56bdf779-46f8-4353-bdf9-2bb95bce2212', local: false };
export const MISPB_ORG = { id: '1', name: 'MISPB-ORG', uuid: 'ec6d04b7-68d6-4e30-9101-704ef9929f66', local: true };

/** A published event as MISP-B's events/view answers it: strings for numbers, a local tag, a community-only distribution. */
export function mispEvent(id: number, info: string, attributes: number, uuid = randomUUID()): { Event: Record<string, unknown> } {
  const tag = (name: string, local: number) => ({ id: '7', name, colour: '#ffffff', exportable: true, user_id: '0', hide_tag: false, numerical_value: null, is_galaxy: false, is_custom_galaxy: false, local_only: false, local, relationship_type: null });
  return {
    Event: {
      id: String(id), orgc_id: '2', org_id: '1', date: '2022-03-02', threat_level_id: '4', info, published: true, uuid, attribute_count: String(attributes), analysis: '0',
      timestamp: '1671006635', distribution: '1', proposal_email_lock: false, locked: false, publish_timestamp: '1796524409', sharing_group_id: '0',
      disable_correlation: false, extends_uuid: '', protected: null, Org: MISPB_ORG, Orgc: CERT_FR,
      Attribute: Array.from({ length: attributes }, (_, k) => ({
        id: String(100 * id + k), type: 'domain', category: 'Network activity', to_ids: true, uuid: randomUUID(), event_id: String(id), distribution: '5',
        timestamp: '1671006635', comment: '', sharing_group_id: '0', deleted: false, disable_correlation: false, object_id: '0', object_relation: null,
        first_seen: null, last_seen: null, value: `host${k}.misp-${id}.example`, Galaxy: [], ShadowAttribute: [], Tag: [tag('tlp:clear', 0)],
      })),
      ShadowAttribute: [], Galaxy: [], Object: [], EventReport: [], CryptographicKey: [], Tag: [tag('tlp:clear', 0), tag('misp-b:triage', 1)],
    },
  };
}

export async function fakeMisp(): Promise<FakeMisp> {
  const key = 'M'.repeat(40);
  const events = new Map<string, { Event: Record<string, unknown> }>();
  const hiddenFromHead = new Set<string>();
  const clusters = new Map<string, { GalaxyCluster: Record<string, unknown> }>();
  const proposals: Array<{ ShadowAttribute: Record<string, unknown> }> = [];
  const notes = new Map<string, { Note: Record<string, unknown> }>();
  let nextId = 500;
  const index = () => [...events.values()].map(({ Event: e }) => ({ id: e.id, timestamp: e.timestamp, sighting_timestamp: '0', published: true, uuid: e.uuid, orgc_uuid: (e.Orgc as { uuid: string }).uuid }));
  const peer = await scriptedPeer((r): PeerAnswer => {
    if (r.headers.authorization !== key) return { status: 403, body: { name: 'Authentication failed.', message: 'Authentication failed.' } };
    const path = r.path;
    if (r.method === 'GET' && path === '/servers/getVersion') {
      return { status: 200, body: { version: '2.5.1', pymisp_recommended_version: '2.5.1', perm_sync: true, perm_sighting: true, perm_galaxy_editor: true, perm_analyst_data: true, uuid: '1781634d-8d8e-4bb6-b2b5-5bcecde02e01', request_encoding: ['gzip'], filter_sightings: true } };
    }
    if (r.method === 'POST' && path === '/servers/postTest') {
      return { status: 200, body: { body: JSON.parse(r.body), headers: { 'Content-type': r.headers['content-type'], Accept: r.headers.accept, Authorization: 'OK' } } };
    }
    if (r.method === 'POST' && path === '/events/index') {
      const list = index();
      const etag = `"${createHash('sha1').update(JSON.stringify(list)).digest('hex')}"`;
      if (r.headers['if-none-match'] === etag) return { status: 304 };
      return { status: 200, body: list, headers: { ETag: etag, 'x-result-count': String(list.length) } };
    }
    const view = /^\/events\/view\/([0-9a-f-]{36})(?:\/(.*))?$/.exec(path);
    if (view && r.method === 'GET') {
      if (view[2] !== MISP_VIEW_PARAMS) return { status: 400, body: { message: `unexpected named parameters ${view[2]}` } };
      const e = events.get(view[1]!);
      return e ? { status: 200, body: e } : { status: 404, body: { name: 'Invalid event', message: 'Invalid event' } };
    }
    if (view && r.method === 'HEAD') return { status: events.has(view[1]!) && !hiddenFromHead.has(view[1]!) ? 200 : 404 };
    if (r.method === 'GET' && path.startsWith('/shadow_attributes/index/')) return { status: 200, body: /\/page:1\//.test(path) ? proposals : [] };
    if (r.method === 'POST' && path === '/galaxy_clusters/restSearch') {
      const q = JSON.parse(r.body) as { uuid?: string[] };
      const listed = [...clusters.values()].filter((c) => !q.uuid || q.uuid.includes(String(c.GalaxyCluster.uuid)));
      return { status: 200, body: { response: listed.map((c) => ({ GalaxyCluster: { uuid: c.GalaxyCluster.uuid, version: c.GalaxyCluster.version } })) }, headers: { 'x-result-count': String(listed.length) } };
    }
    const clusterView = /^\/galaxy_clusters\/view\/([0-9a-f-]{36})$/.exec(path);
    if (clusterView && r.method === 'GET') {
      const c = clusters.get(clusterView[1]!);
      return c ? { status: 200, body: c } : { status: 404, body: { name: 'Invalid galaxy cluster', message: 'Invalid galaxy cluster' } };
    }
    if (r.method === 'POST' && path === '/galaxies/pushCluster') {
      for (const c of JSON.parse(r.body) as Array<{ GalaxyCluster: Record<string, unknown> }>) clusters.set(String(c.GalaxyCluster.uuid), c);
      const message = 'Galaxy clusters imported. 1 imported, 0 ignored, 0 failed. ';
      return { status: 200, body: { saved: true, success: true, name: message, message, url: '/galaxies/pushCluster' } };
    }
    if (r.method === 'POST' && path === '/analyst_data/indexMinimal') {
      return { status: 200, body: notes.size === 0 ? [] : { Note: Object.fromEntries([...notes.values()].map((n) => [n.Note.uuid, n.Note.modified])) } };
    }
    if (r.method === 'GET' && path.startsWith('/analyst_data/index/Note/')) {
      const asked = [...path.matchAll(/uuid\[\]:([0-9a-f-]{36})/g)].map((m) => m[1]!);
      return { status: 200, body: asked.map((u) => notes.get(u)).filter(Boolean) };
    }
    if (r.method === 'POST' && path === '/analyst_data/filterAnalystDataForPush') {
      const offered = JSON.parse(r.body) as Record<string, Record<string, string>>;
      return { status: 200, body: { Note: offered.Note ?? {}, Opinion: offered.Opinion ?? {}, Relationship: offered.Relationship ?? {} } };
    }
    if (r.method === 'POST' && path === '/analyst_data/pushAnalystData') {
      const doc = JSON.parse(r.body) as { Note?: Record<string, unknown> };
      if (doc.Note) notes.set(String(doc.Note.uuid), { Note: doc.Note });
      const message = 'Analyst Data imported. 1 imported, 0 ignored, 0 failed. ';
      return { status: 200, body: { saved: true, success: true, name: message, message, url: '/analyst_data/pushAnalystData' } };
    }
    if (r.method === 'POST' && path === '/sightings/restSearch/event') return { status: 200, body: { response: [] } };
    if (r.method === 'POST' && path === '/events/filterEventIdsForPush') {
      const offered = JSON.parse(r.body) as Array<{ Event: { uuid: string; timestamp: string } }>;
      return { status: 200, body: offered.map((o) => o.Event.uuid).filter((u) => !events.has(u) || hiddenFromHead.has(u)) };
    }
    if (r.method === 'POST' && path === '/events/add/metadata:1') {
      const doc = JSON.parse(r.body) as { Event: Record<string, unknown> };
      const held = events.get(String(doc.Event.uuid));
      if (held) {
        const message = 'Event already exists, if you would like to edit it, use the url in the location header.';
        return { status: 404, body: { name: message, message, url: '/events/add/metadata:1', errors: message }, headers: { Location: `/events/view/${String(held.Event.id)}` } };
      }
      const saved = { ...doc.Event, id: String(nextId++), Org: { id: '3', name: 'ORGNAME', uuid: 'd2721784-87b1-4bac-9e4a-59a4efcef5a8', local: false }, locked: true };
      events.set(String(doc.Event.uuid), { Event: saved });
      return { status: 200, body: { Event: { ...saved, Attribute: undefined } } };
    }
    const edit = /^\/events\/edit\/([^/]+)\/metadata:1$/.exec(path);
    if (edit && r.method === 'POST') {
      const held = [...events.values()].find((e) => e.Event.id === edit[1] || e.Event.uuid === edit[1]);
      if (!held) return { status: 404, body: { message: 'Invalid event' } };
      Object.assign(held.Event, JSON.parse(r.body).Event);
      return { status: 200, body: { Event: { ...held.Event, Attribute: undefined } } };
    }
    return { status: 404, body: { name: 'Not Found', message: `no ${r.method} ${path} on this fake MISP` } };
  });
  return { ...peer, key, events, hiddenFromHead, clusters, proposals, notes };
}
