import { OPERATOR } from '../access/viewer.js';
import { listSharingGroups } from '../store/access/sharing-groups.js';
import { addTaxiiCollection, allTaxiiCollections, removeTaxiiCollection, type TaxiiCollection } from '../store/taxii.js';
import { CliError, withStore, writeOut } from './context.js';

export interface TaxiiCliOptions {
  root?: string;
  tag?: string;
  sharingGroup?: string;
  alias?: string;
  description?: string;
  readOnly?: boolean;
  json?: boolean;
}

const ROOT = /^[A-Za-z0-9_-]{1,64}$/;

function describe(c: TaxiiCollection, groups: ReadonlyMap<number, string>): string {
  const holds = c.kind === 'tag' ? `events tagged ${c.tag}` : c.kind === 'sharing-group' ? `events shared with "${groups.get(c.sharingGroupId ?? -1) ?? c.sharingGroupId}"` : 'every event the user may see';
  return `${c.id}  /taxii2/${c.apiRoot}/  ${c.title}${c.alias ? ` (${c.alias})` : ''}: ${holds}${c.writable ? '' : ', read-only'}`;
}

/**
 * `cairn taxii` lists the TAXII collections; `add TITLE` makes one (`--tag`, `--sharing-group` or
 * neither for everything the user may see; `--root` its API root, default cairn); `remove ID|ALIAS`.
 */
export async function taxiiCommand(action: string | undefined, args: string[], options: TaxiiCliOptions): Promise<number> {
  const actions = ['add', 'remove'];
  if (action !== undefined && !actions.includes(action)) throw new CliError(`unknown action "${action}"; use ${actions.join(' or ')}`);
  if (action && args.length !== 1) throw new CliError(action === 'add' ? 'give the collection\'s TITLE' : 'give the ID or alias of the collection to remove');
  if (options.tag !== undefined && options.sharingGroup !== undefined) throw new CliError('a collection holds events of one tag or of one sharing group, not both');
  const root = options.root ?? 'cairn';
  if (!ROOT.test(root)) throw new CliError(`--root must be letters, digits, - or _ (up to 64), not "${root}"`);
  return withStore(async (store) => {
    const groups = await listSharingGroups(store, OPERATOR);
    const existing = await allTaxiiCollections(store);
    if (action === 'add') {
      const group = options.sharingGroup === undefined ? undefined
        : groups.find((g) => String(g.id) === options.sharingGroup || g.uuid === options.sharingGroup || g.name === options.sharingGroup);
      if (options.sharingGroup !== undefined && !group) throw new CliError(`no sharing group "${options.sharingGroup}" (give its id, uuid or name)`);
      if (options.tag !== undefined && !options.tag.trim()) throw new CliError('--tag needs a tag name');
      if (options.alias && existing.some((c) => c.apiRoot === root && c.alias === options.alias)) throw new CliError(`the API root "${root}" has a collection aliased "${options.alias}" already`);
      const made = await addTaxiiCollection(store, {
        apiRoot: root, title: args[0]!, description: options.description ?? '', alias: options.alias ?? null,
        kind: group ? 'sharing-group' : options.tag !== undefined ? 'tag' : 'all', tag: options.tag?.trim() ?? null, sharingGroupId: group?.id ?? null,
        writable: !options.readOnly,
      });
      await writeOut(`${describe(made, new Map(groups.map((g) => [g.id, g.name])))}\n`);
      return 0;
    }
    if (action === 'remove') {
      const target = existing.find((c) => c.id === args[0] || c.alias === args[0]);
      if (!target || !(await removeTaxiiCollection(store, target.id))) throw new CliError(`no collection "${args[0]}"`);
      process.stderr.write(`removed ${target.title}\n`);
      return 0;
    }
    const names = new Map(groups.map((g) => [g.id, g.name]));
    if (options.json) await writeOut(`${JSON.stringify(existing, null, 2)}\n`);
    else await writeOut(existing.length ? `${existing.map((c) => describe(c, names)).join('\n')}\n` : 'no TAXII collections (cairn taxii add TITLE)\n');
    return 0;
  });
}
