import { addExclusion, listExclusions, removeExclusion } from '../store/correlations/exclusions.js';
import { CliError, withStore, writeOut } from './context.js';

/** `cairn exclusions [add VALUE [--comment TEXT] | remove VALUE]`: values taken out of correlation. */
export async function exclusionsCommand(action: string | undefined, value: string | undefined, options: { comment?: string }): Promise<number> {
  if (action !== undefined && action !== 'add' && action !== 'remove') throw new CliError(`unknown action "${action}"; use add or remove`);
  if (action !== undefined && !value?.trim()) throw new CliError(`give the VALUE (or %pattern%) to ${action}`);
  return withStore(async (store) => {
    if (action === 'add') {
      const added = await addExclusion(store, value!.trim(), options.comment ?? '');
      process.stderr.write(added ? `excluded ${value!.trim()} from correlation\n` : `${value!.trim()} was excluded already\n`);
    } else if (action === 'remove') {
      if (!(await removeExclusion(store, value!.trim()))) throw new CliError(`no exclusion "${value!.trim()}"`);
      process.stderr.write(`${value!.trim()} correlates again\n`);
    }
    if (action === undefined) {
      const all = await listExclusions(store);
      await writeOut(all.length === 0 ? 'no correlation exclusions\n' : `${all.map((e) => (e.comment ? `${e.value}    # ${e.comment}` : e.value)).join('\n')}\n`);
    }
    return 0;
  });
}
