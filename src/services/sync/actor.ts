import { PERMISSIONS } from '../../access/roles.js';
import type { User } from '../../access/user.js';
import type { Server } from '../../store/servers.js';
import type { Actor } from '../import/pipeline.js';

/**
 * Who a pull imports as: a sync user of the organisation that configured the server (MISP stores pulled
 * events as the server's org_id), so that the pulled events are that organisation's, keep the creator
 * the remote names, and pass the import policy as any other instance's push does: a newer version is
 * taken only of an event that came from elsewhere (locked) or that this organisation created.
 */
export function pullActor(server: Server): Actor {
  const perms = PERMISSIONS.filter((p) => ['perm_add', 'perm_modify', 'perm_modify_org', 'perm_publish', 'perm_sync', 'perm_tagger', 'perm_sharing_group', 'perm_tag_editor', 'perm_sighting'].includes(p));
  const user: User = {
    id: 0, email: `sync-server-${server.id}@cairn`, disabled: false, created: 0,
    org: { id: server.org.id, uuid: server.org.uuid, name: server.org.name, local: true },
    role: { id: 0, name: 'Sync client', permissions: perms },
  };
  return { kind: 'user', user };
}
