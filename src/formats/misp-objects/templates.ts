import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the report needs of an object template: its description. */
export type TemplateDescriptions = (name: string) => string | undefined;

export const NO_TEMPLATES: TemplateDescriptions = () => undefined;

/**
 * Reads object template descriptions from a directory in the misp-objects layout
 * (`objects/<name>/definition.json`, or `<name>/definition.json` directly under DIR).
 */
export function loadTemplateDescriptions(dir: string): TemplateDescriptions {
  const root = existsSync(join(dir, 'objects')) ? join(dir, 'objects') : dir;
  if (!existsSync(root)) throw new Error(`object template directory ${dir} does not exist`);
  const descriptions = new Map<string, string>();
  for (const name of readdirSync(root)) {
    const file = join(root, name, 'definition.json');
    if (!existsSync(file)) continue;
    try {
      const def = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; description?: unknown };
      if (typeof def.description === 'string') descriptions.set(typeof def.name === 'string' ? def.name : name, def.description);
    } catch (err) {
      throw new Error(`object template ${file} is not valid JSON: ${(err as Error).message}`);
    }
  }
  return (name) => descriptions.get(name);
}
