import { MISP_API_VERSION } from '../version.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CATEGORIES, CATEGORY_TYPES, TYPE_DEFAULTS } from '../../model/types.js';
import { userOf } from '../session.js';
import { maySync } from '../../access/policy/events.js';
import { mayEditGalaxies } from '../../access/policy/libraries.js';
import { mayAddSighting } from '../../access/policy/sightings.js';
import { userDocument } from './users.js';
import { documented } from '../openapi.js';
import { DescribeTypes } from '../schemas/answers.js';
import { etagOf, sendWithEtag } from '../etag.js';

/** The MISP version whose API Cairn answers as: what PyMISP and MISP servers check. */

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

export async function instanceRoutes(app: FastifyInstance): Promise<void> {
  documented(app, 'Instance', {
    'GET /servers/getVersion': { summary: "The MISP version Cairn answers as, and the caller's sync and sighting rights (PyMISP's handshake)" },
    'GET /servers/getPyMISPVersion.json': { summary: 'The PyMISP version recommended' },
    'GET /users/view/me.json': { summary: 'The user the key belongs to, with his role and organisation' },
    'GET /attributes/describeTypes.json': { summary: 'Attribute types and categories, with their defaults; with an ETag (304 to If-None-Match)', response: DescribeTypes },
    'GET /attributes/describeTypes': { summary: 'As describeTypes.json', response: DescribeTypes },
  });
  app.get('/servers/getVersion', async (request) => {
    const user = userOf(request);
    return {
      version: MISP_API_VERSION,
      pymisp_recommended_version: MISP_API_VERSION,
      perm_sync: maySync(user),
      perm_sighting: mayAddSighting(user),
      perm_galaxy_editor: mayEditGalaxies(user),
      request_encoding: ['gzip', 'br'],
      filter_sightings: true,
    };
  });
  app.get('/servers/getPyMISPVersion.json', async (request) => {
    userOf(request);
    return { version: MISP_API_VERSION };
  });
  app.get('/users/view/me.json', async (request) => userDocument(userOf(request)));
  // The same for every user and until the next release: clients may keep it and ask with If-None-Match.
  const types = describeTypes();
  const text = JSON.stringify(types);
  const tag = etagOf(text);
  const answerTypes = async (request: FastifyRequest, reply: FastifyReply) => {
    userOf(request);
    return sendWithEtag(request, reply, types, text, tag);
  };
  app.get('/attributes/describeTypes.json', answerTypes);
  app.get('/attributes/describeTypes', answerTypes);
}
