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
import type { ApiContext } from '../context.js';
import { instanceUuid } from '../../store/servers.js';
import { mayAddAnalystData } from '../../access/policy/analyst-data.js';
import { REQUEST_ENCODINGS } from '../request-encoding.js';

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

export async function instanceRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;
  documented(app, 'Instance', {
    'GET /servers/getVersion': { summary: "The MISP version Cairn answers as, and the caller's sync and sighting rights (PyMISP's handshake)" },
    'POST /servers/postTest': { summary: "MISP's connection test: the body is answered back, with whether Content-Type, Accept and Authorization arrived" },
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
      perm_analyst_data: mayAddAnalystData(user),
      // MISP tells its uuid to sync users only: it is how a remote recognises this instance.
      uuid: maySync(user) ? await instanceUuid(store) : '-',
      request_encoding: [...REQUEST_ENCODINGS],
      // The sighting push asks filterSightingUuidsForPush first.
      filter_sightings: true,
    };
  });
  // MISP's connection test posts a long text (compressed as this instance advertises) and expects it back
  // with what it saw of the headers: a proxy that mangles bodies or drops Authorization shows here.
  app.post('/servers/postTest', async (request) => {
    userOf(request);
    const h = request.headers;
    return {
      body: request.body ?? [],
      headers: { 'Content-type': h['content-type'] ?? 0, Accept: h.accept ?? 0, Authorization: h.authorization !== undefined ? 'OK' : 0 },
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
