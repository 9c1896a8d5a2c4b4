import type { ExportAttribute } from '../../model/export-attribute.js';

export type { ExportAttribute };

/**
 * An export format, fed one attribute at a time so that an export of millions of attributes holds
 * bounded memory: each `add` returns the text to send now (formats that must see everything first,
 * text and RPZ, keep only what they print: distinct values).
 */
export interface Exporter {
  header(): string;
  add(a: ExportAttribute): string;
  footer(): string;
}

/** Options of an export, as restSearch names them. */
export interface ExportOptions {
  /** The address rules point back to (`<baseurl>/events/view/<id>`). */
  baseUrl: string;
  [option: string]: unknown;
}

export interface ExportFormat {
  contentType: string;
  /**
   * A format meant to feed detection tools: as in MISP, it exports only to_ids attributes of published
   * events unless the query says otherwise.
   */
  detection: boolean;
  make(options: ExportOptions): Exporter;
}

/** The two halves of a composite value (`filename|md5`), or the value and an empty second half. */
export function valueParts(value: string): [string, string] {
  const i = value.indexOf('|');
  return i < 0 ? [value, ''] : [value.slice(0, i), value.slice(i + 1)];
}
