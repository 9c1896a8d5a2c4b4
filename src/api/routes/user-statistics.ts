import type { FastifyInstance, FastifyRequest } from 'fastify';
import { viewerOf } from '../../access/viewer.js';
import { userStatistics } from '../../services/stats/user-statistics.js';
import type { ApiContext } from '../context.js';
import { documented } from '../openapi.js';
import { userOf } from '../session.js';

type StatisticsRequest = FastifyRequest<{ Params: { context?: string }; Querystring: { scope?: unknown } }>;

/**
 * MISP's users/statistics/CONTEXT for every user: data (usage figures), orgs, users, tags, attributehistogram
 * and sightings. Events, attributes, tags and sightings count as far as the caller may see them.
 * galaxyMatrix (MISP's ATT&CK matrix page) is not offered.
 */
export async function userStatisticsRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;
  documented(app, 'Statistics', {
    'GET /users/statistics': { summary: 'As users/statistics/data' },
    'GET /users/statistics/:context': {
      summary: 'Statistics: data (events, attributes, users, organisations), orgs (scope local, external or all), users (made in all, this month, this year), tags, attributehistogram, sightings (your organisation\'s); what you may see',
      query: { type: 'object', properties: { scope: { type: 'string', description: 'orgs: local (default), external or all' } } },
    },
  });
  const statistics = async (request: StatisticsRequest) => {
    const scope = typeof request.query.scope === 'string' ? request.query.scope : undefined;
    return userStatistics(store, viewerOf(userOf(request)), request.params.context || 'data', scope === undefined ? {} : { scope });
  };
  app.get('/users/statistics', statistics);
  app.get('/users/statistics/:context', statistics);
}
