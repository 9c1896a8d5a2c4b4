import { readDecayingModels, type LibraryDecayingModel } from '../../libraries/decaying-model.js';
import type { Store } from '../../store/db/database.js';
import { saveLibraryModels } from '../../store/decaying-models.js';
import { ServiceError } from '../errors.js';

/**
 * Reloads the decaying models of the misp-decaying-models library from the operator's library folders
 * (CAIRN_LIBRARIES: `<folder>/misp-decaying-models/models/*.json`), as MISP's decayingModel/update reads
 * its files folder: new models are added, disabled and owned by `orgId` (the host organisation); those
 * whose version rose (all of them with `force`) are refreshed. Fails when no folder holds any model.
 */
export async function updateDecayingModels(store: Store, dirs: readonly string[], orgId: number, force = false): Promise<{ installed: string[]; updated: string[] }> {
  if (dirs.length === 0) {
    throw new ServiceError('invalid', 'No library folder is configured on this instance: the operator sets CAIRN_LIBRARIES to the folders holding MISP\'s libraries (such as misp-decaying-models).');
  }
  let models: LibraryDecayingModel[];
  try {
    models = readDecayingModels(dirs);
  } catch (err) {
    throw new ServiceError('invalid', `The decaying models could not be read: ${(err as Error).message}`);
  }
  if (models.length === 0) {
    throw new ServiceError('not-found', `Models could not be loaded or default decaying models folder is empty: no misp-decaying-models/models/*.json in ${dirs.join(', ')}`);
  }
  return saveLibraryModels(store, models, orgId, force);
}
