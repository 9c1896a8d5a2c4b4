import { OPERATOR } from '../access/viewer.js';
import { storeStats } from '../store/stats.js';
import { withStore, writeOut } from './context.js';

/** `cairn stats [--json]`: counts of what is stored and not deleted. */
export async function statsCommand(options: { json?: boolean }): Promise<number> {
  return withStore(async (store) => {
    const s = await storeStats(store, OPERATOR);
    if (options.json) {
      await writeOut(`${JSON.stringify(s, null, 2)}\n`);
      return 0;
    }
    const lines = [
      `store:      ${store.location}`,
      `events:     ${s.events}`,
      `attributes: ${s.attributes}`,
      `objects:    ${s.objects}`,
      '',
      'attributes by type:',
      ...Object.entries(s.attributesByType).map(([t, n]) => `  ${String(n).padStart(8)}  ${t}`),
      '',
      'most used tags (events):',
      ...s.topTags.map((t) => `  ${String(t.events).padStart(8)}  ${t.name}`),
    ];
    await writeOut(`${lines.join('\n')}\n`);
    return 0;
  });
}
