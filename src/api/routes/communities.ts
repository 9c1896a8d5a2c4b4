import type { FastifyInstance, FastifyRequest } from 'fastify';
import { readCommunities, type Community } from '../../libraries/community.js';
import { ApiError } from '../errors.js';
import { documented } from '../openapi.js';
import { userOf } from '../session.js';
import { restQueryOf } from '../../services/search/rest-query.js';
import type { ApiContext } from '../context.js';

/** As MISP numbers and shapes a community: its place in the list (from 1) and its organisation as `Org`. */
const communityDocument = (c: Community, at: number) => ({ ...c, id: at + 1, Org: { uuid: c.org_uuid, name: c.org_name } });

const SEARCHED = ['name', 'uuid', 'description', 'url', 'sector', 'nationality', 'type', 'org_uuid', 'org_name'] as const;

/**
 * MISP's directory of sharing communities (communities/index and view), read from the library folders
 * the operator configured (CAIRN_LIBRARIES), as MISP reads the list it ships. Any user may read it.
 */
export async function communityRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  documented(app, 'Communities', {
    'GET /communities/index': { summary: 'The sharing communities of MISP\'s directory: `context` vetted (default) or unvetted, `value` a text in their fields' },
    'GET /communities': { summary: 'The sharing communities of the directory (as communities/index)' },
    'GET /communities/view/:id': { summary: 'One community of the directory, by its place in the list or its uuid' },
  });
  const all = async () => {
    try {
      return await readCommunities(ctx.libraryDirs);
    } catch (err) {
      throw new ApiError(500, `The community list could not be read: ${(err as Error).message}`);
    }
  };
  const index = async (request: FastifyRequest) => {
    userOf(request);
    const q = restQueryOf(request) as Record<string, unknown>;
    const context = q.context === undefined || q.context === '' ? 'vetted' : String(q.context);
    if (context !== 'vetted' && context !== 'unvetted') throw new ApiError(400, `context: "${context}" is neither vetted nor unvetted`);
    const value = typeof q.value === 'string' && q.value !== '' ? q.value.toLowerCase() : undefined;
    return (await all())
      .map(communityDocument)
      .filter((c) => c.misp_project_vetted === (context === 'vetted'))
      .filter((c) => value === undefined || SEARCHED.some((f) => c[f].toLowerCase().includes(value)));
  };
  app.get('/communities/index', index);
  app.get('/communities', index);
  app.get<{ Params: { id: string } }>('/communities/view/:id', async (request) => {
    userOf(request);
    const id = request.params.id.toLowerCase();
    const found = (await all()).map(communityDocument).find((c) => c.uuid.toLowerCase() === id || String(c.id) === id);
    if (!found) throw new ApiError(404, 'Community not found.');
    return found;
  });
}
