/*
 * MISP's addresses, as its clients write them, turned into the form Cairn's routes take. Done once,
 * before routing (Fastify's rewriteUrl), so that every handler reads one thing: the query string.
 *
 * - Named parameters. MISP (CakePHP 2) reads a path segment `name:value` after the controller and
 *   action as a parameter: `/events/view/12/deleted[]:0/deleted[]:1/excludeGalaxy:1`,
 *   `/events/index/limit:50/page:2`, `/admin/users/index/value:x`. Each becomes `name=value` in the query
 *   string (after any the address already has), `name[]:v` as `name[]=v`; keys and values are
 *   percent-decoded (CakePHP's rawurldecode). The query parser (parseMispQuery) reads `name[]` as PHP
 *   does: a list, under `name`, even of one item (`deleted[]:1` is "only deleted", not "1").
 * - A `.json` suffix on the last segment (`/events/view/12.json`, `/users/view/me.json`), MISP's way of
 *   asking for JSON, is dropped, unless a route is registered with it.
 *
 * TAXII addresses and the web interface's files are left as they are: theirs are not MISP's conventions.
 */

import { parse } from 'node:querystring';

/** A segment is a named parameter when its name is a word, optionally with `[]` or `[key]`, before the first colon. */
const NAMED = /^([A-Za-z_][A-Za-z0-9_.-]*)(\[[A-Za-z0-9_-]*\])?:/;

/** Segments before this index (the leading empty one, a controller, an action) are never named parameters. */
const FIRST_NAMED = 3;

const UNTOUCHED = ['/taxii2/', '/ui/'];

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The address a request names, in Cairn's form. `hasRoute` says whether a path is registered as it is
 * written (a route whose literal path ends in `.json` keeps its suffix).
 */
export function rewriteMispUrl(url: string, hasRoute: (path: string) => boolean = () => false): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  if (UNTOUCHED.some((prefix) => path.startsWith(prefix))) return url;

  const kept: string[] = [];
  const params: string[] = [];
  const segments = path.split('/');
  segments.forEach((segment, index) => {
    const named = index >= FIRST_NAMED ? NAMED.exec(decode(segment.slice(0, segment.indexOf(':') + 1))) : null;
    if (!named) return kept.push(segment);
    const key = `${named[1]!}${named[2] ?? ''}`;
    let value = decode(segment.slice(segment.indexOf(':') + 1));
    // CakePHP takes the extension off the address before reading named parameters: `…/deleted[]:1.json` is deleted[] = 1.
    if (index === segments.length - 1 && value.endsWith('.json')) value = value.slice(0, -'.json'.length);
    params.push(`${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
    return undefined;
  });

  let rewritten = kept.join('/');
  if (params.length > 0 && rewritten.length > 1 && rewritten.endsWith('/')) rewritten = rewritten.slice(0, -1);
  const last = rewritten.lastIndexOf('/');
  if (last > 0 && rewritten.endsWith('.json') && !hasRoute(rewritten)) rewritten = rewritten.slice(0, -'.json'.length);

  const fullQuery = [query, ...params].filter((part) => part !== '').join('&');
  if (rewritten === path && fullQuery === query) return url;
  return fullQuery === '' ? rewritten : `${rewritten}?${fullQuery}`;
}

/**
 * The query string as PHP reads it: `name[]=a&name[]=b` (and `name[]=a` alone) is the list `name`,
 * a repeated plain name a list too; other keys stay as they are written.
 */
export function parseMispQuery(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, raw] of Object.entries(parse(text))) {
    if (raw === undefined) continue;
    const values = Array.isArray(raw) ? raw : [raw];
    const list = key.endsWith('[]') && key.length > 2;
    const name = list ? key.slice(0, -2) : key;
    const before = out[name];
    const merged = before === undefined ? values : [...(Array.isArray(before) ? before : [before]), ...values];
    out[name] = list || merged.length > 1 ? merged : merged[0]!;
  }
  return out;
}
