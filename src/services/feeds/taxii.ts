import type { Feed } from '../../store/feeds.js';
import { ServiceError } from '../errors.js';
import type { FeedRunContext, FeedRunResult } from './run.js';

/** TAXII 2.1 collections as feeds: not yet. */
export async function fetchTaxiiFeed(_ctx: FeedRunContext, feed: Feed): Promise<{ result: FeedRunResult; cursor?: string }> {
  throw new ServiceError('invalid', `${feed.url}: TAXII feeds are not fetched yet`);
}
