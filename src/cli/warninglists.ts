import { readWarninglistDirectory } from '../correlation/warninglists/format.js';
import { enabledWarninglists, listWarninglists, saveWarninglists, setWarninglistsEnabled } from '../store/libraries/warninglists.js';
import { CliError, withStore, writeOut } from './context.js';

export interface WarninglistsCliOptions {
  all?: boolean;
  disabled?: boolean;
  type?: string;
  json?: boolean;
}

/**
 * `cairn warninglists` lists them; `load DIR [--disabled]` stores the lists of a misp-warninglists
 * directory; `enable|disable NAME… | --all`; `check VALUE [--type T]` names the enabled lists a value is on.
 */
export async function warninglistsCommand(action: string | undefined, args: string[], options: WarninglistsCliOptions): Promise<number> {
  const actions = ['load', 'enable', 'disable', 'check'];
  if (action !== undefined && !actions.includes(action)) throw new CliError(`unknown action "${action}"; use ${actions.join(', ')}`);
  if (action === 'load' && args.length !== 1) throw new CliError('give the DIR to load warninglists from');
  if ((action === 'enable' || action === 'disable') && args.length === 0 && !options.all) throw new CliError(`name the lists to ${action}, or give --all`);
  if (action === 'check' && args.length !== 1) throw new CliError('give the VALUE to check');
  const lists = action === 'load' ? readWarninglistDirectory(args[0]!) : undefined;
  return withStore(async (store) => {
    if (lists) {
      const r = await saveWarninglists(store, lists, !options.disabled);
      process.stderr.write(`${r.added} warninglists added (${options.disabled ? 'disabled' : 'enabled'}), ${r.updated} updated\n`);
      return 0;
    }
    if (action === 'enable' || action === 'disable') {
      const names = options.all ? undefined : args;
      const found = await setWarninglistsEnabled(store, names, action === 'enable');
      const missing = (names ?? []).filter((n) => !found.includes(n));
      if (missing.length) throw new CliError(`no warninglist named ${missing.map((m) => `"${m}"`).join(', ')}`);
      process.stderr.write(`${found.length} warninglist${found.length === 1 ? '' : 's'} ${action}d\n`);
      return 0;
    }
    if (action === 'check') {
      const hits = (await enabledWarninglists(store))?.check(args[0]!, options.type) ?? [];
      await writeOut(options.json ? `${JSON.stringify(hits.map((h) => h.name))}\n` : hits.length ? `${hits.map((h) => h.name).join('\n')}\n` : 'on no enabled warninglist\n');
      return 0;
    }
    const all = await listWarninglists(store);
    if (options.json) await writeOut(`${JSON.stringify(all, null, 2)}\n`);
    else await writeOut(all.length === 0 ? 'no warninglists loaded: cairn warninglists load DIR\n'
      : `${all.map((w) => `${w.enabled ? 'on ' : 'off'}  ${w.type.padEnd(9)} ${String(w.entries).padStart(7)}  ${w.name}`).join('\n')}\n`);
    return 0;
  });
}
