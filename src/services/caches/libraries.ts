import type { ObjectTemplate } from '../../libraries/object-template.js';
import { TaxonomyRules } from '../../libraries/taxonomy.js';
import type { Store } from '../../store/db/database.js';
import { objectTemplates } from '../../store/libraries/object-templates.js';
import { enabledTaxonomies } from '../../store/libraries/taxonomies.js';
import { Fresh } from './fresh.js';

/** The object templates and the enabled taxonomies' rules, as the write endpoints check against them. */
export class LibraryCache {
  readonly templates: Fresh<ReadonlyMap<string, ObjectTemplate>>;
  readonly taxonomies: Fresh<TaxonomyRules>;

  constructor(store: Store) {
    this.templates = new Fresh(store, 'libraries', () => objectTemplates(store));
    this.taxonomies = new Fresh(store, 'libraries', async () => new TaxonomyRules(await enabledTaxonomies(store)));
  }
}
