import type { FastifyInstance } from 'fastify';
import { permissionFlags } from '../../access/roles.js';
import { CATEGORIES, CATEGORY_TYPES, TYPE_DEFAULTS } from '../../model/types.js';
import type { User } from '../../store/users.js';
import { can, userOf } from '../session.js';

/** The MISP version whose API Cairn answers as: what PyMISP and MISP servers check. */
export const MISP_API_VERSION = '2.5.2';

function describeTypes() {
  return {
    result: {
      sane_defaults: Object.fromEntries(Object.entries(TYPE_DEFAULTS).map(([t, d]) => [t, { default_category: d.category, to_ids: d.toIds ? 1 : 0 }])),
      types: Object.keys(TYPE_DEFAULTS),
      categories: CATEGORIES,
      category_type_mappings: CATEGORY_TYPES,
    },
  };
}

/** A user as MISP's users/view/me answers: the user, his role with every flag, his organisation. */
export function userDocument(user: User) {
  return {
    User: {
      id: String(user.id), email: user.email, org_id: String(user.org.id), role_id: String(user.role.id),
      disabled: user.disabled, autoalert: false, contactalert: false, termsaccepted: true, change_pw: false,
      date_created: String(user.created), date_modified: String(user.created), last_login: '0', current_login: '0',
      server_id: '0', invited_by: '0', nids_sid: '0', gpgkey: '', certif_public: '', external_auth_required: false,
    },
    Role: { id: String(user.role.id), name: user.role.name, ...permissionFlags(user.role.permissions) },
    UserSetting: [],
    Organisation: { id: String(user.org.id), name: user.org.name, uuid: user.org.uuid, local: user.org.local },
  };
}

export async function instanceRoutes(app: FastifyInstance): Promise<void> {
  app.get('/servers/getVersion', async (request) => {
    const user = userOf(request);
    return {
      version: MISP_API_VERSION,
      pymisp_recommended_version: MISP_API_VERSION,
      perm_sync: can(user, 'perm_sync'),
      perm_sighting: can(user, 'perm_sighting'),
      perm_galaxy_editor: can(user, 'perm_galaxy_editor'),
      request_encoding: ['gzip', 'br'],
      filter_sightings: true,
    };
  });
  app.get('/servers/getPyMISPVersion.json', async (request) => {
    userOf(request);
    return { version: MISP_API_VERSION };
  });
  app.get('/users/view/me', async (request) => userDocument(userOf(request)));
  app.get('/users/view/me.json', async (request) => userDocument(userOf(request)));
  const types = describeTypes();
  app.get('/attributes/describeTypes.json', async (request) => {
    userOf(request);
    return types;
  });
}
