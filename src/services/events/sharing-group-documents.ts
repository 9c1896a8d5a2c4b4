import { OPERATOR } from '../../access/viewer.js';
import type { JsonObject } from '../../formats/misp-json/coerce.js';
import { findSharingGroup, type SharingGroup } from '../../store/access/sharing-groups.js';
import type { Store } from '../../store/db/database.js';
import { findServer } from '../../store/servers.js';

const sqlDatetime = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
const org = (o: SharingGroup['org']) => ({ id: String(o.id), name: o.name, uuid: o.uuid, local: o.local });

/**
 * The sharing groups of an event document in full, as MISP's events/view embeds them: the group with its
 * creator, its organisations (SharingGroupOrg, each with its Organisation) and its instances
 * (SharingGroupServer, each with its Server's url). A MISP that pulls the event makes the group from
 * this (SharingGroup::captureSG: its sync user's organisation must be listed; an instance is matched by
 * url, this one's being `localUrl`). Only items already in the document (those the viewer sees) are
 * described.
 */
export async function addSharingGroupDocuments(store: Store, event: Record<string, unknown>, localUrl: string): Promise<void> {
  const list = (v: unknown) => (Array.isArray(v) ? (v as JsonObject[]) : []);
  const objects = list(event.Object);
  const items = [event, ...list(event.Attribute), ...objects, ...objects.flatMap((o) => list(o.Attribute)), ...list(event.EventReport)];
  const documents = new Map<string, JsonObject | null>();
  const servers = new Map<number, { url: string; name: string } | null>();
  const serverOf = async (id: number) => {
    if (!servers.has(id)) {
      const s = await findServer(store, id);
      servers.set(id, s ? { url: s.url, name: s.name } : null);
    }
    return servers.get(id);
  };
  for (const item of items) {
    const ref = item.SharingGroup as JsonObject | undefined;
    const uuid = ref && typeof ref.uuid === 'string' ? ref.uuid : undefined;
    if (!uuid) continue;
    if (!documents.has(uuid)) {
      const g = await findSharingGroup(store, OPERATOR, { uuid });
      documents.set(uuid, g ? await groupDocument(g, localUrl, serverOf) : null);
    }
    const doc = documents.get(uuid);
    if (doc) item.SharingGroup = doc;
  }
}

async function groupDocument(g: SharingGroup, localUrl: string, serverOf: (id: number) => Promise<{ url: string; name: string } | null | undefined>): Promise<JsonObject> {
  const instances: JsonObject[] = [];
  for (const s of g.servers) {
    const known = s.serverId === 0 ? { url: localUrl, name: 'Local instance' } : await serverOf(s.serverId);
    // An instance this one no longer knows names nothing the other side could match.
    if (!known) continue;
    instances.push({ sharing_group_id: String(g.id), server_id: String(s.serverId), all_orgs: s.allOrgs, Server: { id: String(s.serverId), url: known.url, name: known.name } });
  }
  return {
    id: String(g.id), name: g.name, releasability: g.releasability, description: g.description, uuid: g.uuid, organisation_uuid: g.org.uuid,
    org_id: String(g.org.id), sync_user_id: '0', active: g.active, created: sqlDatetime(g.created), modified: sqlDatetime(g.modified), local: g.local, roaming: g.roaming,
    Organisation: org(g.org),
    SharingGroupOrg: g.organisations.map((m) => ({ sharing_group_id: String(g.id), org_id: String(m.org.id), extend: m.extend, Organisation: org(m.org) })),
    SharingGroupServer: instances,
  };
}
