import { SETTINGS, getSettings, isSettingName, setSetting } from '../store/settings.js';
import { CliError, withStore, writeOut } from './context.js';

/** `cairn settings` lists the instance settings; `cairn settings NAME VALUE` sets one. */
export async function settingsCommand(name: string | undefined, value: string | undefined): Promise<number> {
  if (name !== undefined && !isSettingName(name)) {
    throw new CliError(`unknown setting "${name}"; the settings are: ${Object.keys(SETTINGS).join(', ')}`);
  }
  if (name !== undefined && value === undefined) throw new CliError(`give the value for ${name}`);
  return withStore(async (store) => {
    if (name !== undefined && value !== undefined) {
      const problem = await setSetting(store, name as keyof typeof SETTINGS, value);
      if (problem) throw new CliError(`${name} takes ${problem}, not "${value}"`);
    }
    const current = await getSettings(store);
    const lines = Object.entries(SETTINGS).map(([k, d]) => `${k} = ${current[k as keyof typeof SETTINGS]}    # ${d.help} (default ${d.default})`);
    await writeOut(`${lines.join('\n')}\n`);
    return 0;
  });
}
