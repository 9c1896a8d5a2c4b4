import { readLibraries } from '../libraries/directory.js';
import { listGalaxies } from '../store/libraries/galaxies.js';
import { saveLibraries } from '../store/libraries/load.js';
import { listNoticelists, noticelistByRef, setNoticelistEnabled } from '../store/libraries/noticelists.js';
import { listObjectTemplates } from '../store/libraries/object-templates.js';
import { listTaxonomies, setTaxonomiesEnabled } from '../store/libraries/taxonomies.js';
import { CliError, withStore, writeOut } from './context.js';

export interface LibrariesCliOptions {
  json?: boolean;
}

/**
 * `cairn libraries` summarises what is loaded; `load DIR` stores the MISP libraries found under DIR
 * (taxonomies, galaxies, object templates, noticelists, warninglists); `enable|disable NAME…` turns
 * taxonomies (by namespace) or noticelists (by name) on or off.
 */
export async function librariesCommand(action: string | undefined, args: string[], options: LibrariesCliOptions): Promise<number> {
  const actions = ['load', 'enable', 'disable'];
  if (action !== undefined && !actions.includes(action)) throw new CliError(`unknown action "${action}"; use ${actions.join(', ')}`);
  if (action === 'load' && args.length !== 1) throw new CliError('give the DIR to load libraries from');
  if ((action === 'enable' || action === 'disable') && args.length === 0) throw new CliError(`name the taxonomies or noticelists to ${action}`);
  let libs;
  try {
    libs = action === 'load' ? readLibraries(args[0]!) : undefined;
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  return withStore(async (store) => {
    if (libs) {
      const n = await saveLibraries(store, libs);
      process.stderr.write(`loaded ${n.taxonomies} taxonomies, ${n.galaxies} galaxies with ${n.clusters} clusters, ${n.templates} object templates, `
        + `${n.noticelists} noticelists, ${n.warninglists} warninglists\n`);
      return 0;
    }
    if (action === 'enable' || action === 'disable') {
      const on = action === 'enable';
      const taxonomies = (await setTaxonomiesEnabled(store, args, on)).map((t) => t.namespace);
      const missing = [];
      for (const name of args.filter((a) => !taxonomies.includes(a))) {
        const list = await noticelistByRef(store, name);
        if (list) await setNoticelistEnabled(store, list.id, on);
        else missing.push(name);
      }
      if (missing.length) throw new CliError(`no taxonomy or noticelist named ${missing.map((m) => `"${m}"`).join(', ')}`);
      process.stderr.write(`${args.length} ${action}d\n`);
      return 0;
    }
    const [taxonomies, galaxies, templates, noticelists] = await Promise.all([listTaxonomies(store), listGalaxies(store), listObjectTemplates(store), listNoticelists(store)]);
    if (options.json) {
      await writeOut(`${JSON.stringify({
        taxonomies: taxonomies.map(({ info: t }) => ({ namespace: t.namespace, version: t.version, enabled: t.enabled })),
        galaxies: galaxies.map((g) => ({ type: g.type, name: g.name, version: g.version })),
        templates: templates.map(({ template: t }) => ({ name: t.name, version: t.version })),
        noticelists: noticelists.map((n) => ({ name: n.list.name, enabled: n.enabled })),
      }, null, 2)}\n`);
      return 0;
    }
    await writeOut(`${taxonomies.map(({ info: t }) => `${t.enabled ? 'on ' : 'off'}  taxonomy    ${t.namespace}`).join('\n')}\n`
      + `${noticelists.map((n) => `${n.enabled ? 'on ' : 'off'}  noticelist  ${n.list.name}`).join('\n')}${noticelists.length ? '\n' : ''}`
      + `${galaxies.length} galaxies, ${templates.length} object templates${galaxies.length + templates.length === 0 ? ' (cairn libraries load DIR)' : ''}\n`);
    return 0;
  });
}
