import { parseMispEvent, type ParsedEvent, type ParseOptions } from '../../formats/misp-json/parse.js';

/** One event of the input, read and validated, or why it could not be read. */
export type ParsedItem = { source: string; parsed: ParsedEvent } | { source: string; error: string };

/** Validates events already read as JSON; input errors pass through as they are. */
export function parseEvents(items: Iterable<{ source: string; json: unknown } | { source: string; error: string }>, options: ParseOptions): ParsedItem[] {
  const out: ParsedItem[] = [];
  for (const item of items) out.push('error' in item ? item : { source: item.source, parsed: parseMispEvent(item.json, options) });
  return out;
}
