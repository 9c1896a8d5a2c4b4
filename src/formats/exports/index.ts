import { csvExporter } from './csv.js';
import type { ExportFormat } from './exporter.js';
import { cacheExporter, hashesExporter, textExporter } from './lists.js';
import { nidsExporter } from './nids.js';
import { rpzExporter } from './rpz.js';
import { zeekExporter } from './zeek.js';

/** Every line-oriented export, by the name restSearch's `returnFormat` gives it. */
export const EXPORT_FORMATS: Readonly<Record<string, ExportFormat>> = {
  csv: { contentType: 'text/csv; charset=utf-8', detection: false, make: csvExporter },
  text: { contentType: 'text/plain; charset=utf-8', detection: true, make: textExporter },
  hashes: { contentType: 'text/plain; charset=utf-8', detection: true, make: hashesExporter },
  cache: { contentType: 'text/plain; charset=utf-8', detection: false, make: cacheExporter },
  suricata: { contentType: 'text/plain; charset=utf-8', detection: true, make: (o) => nidsExporter('suricata', o) },
  snort: { contentType: 'text/plain; charset=utf-8', detection: true, make: (o) => nidsExporter('snort', o) },
  zeek: { contentType: 'text/plain; charset=utf-8', detection: true, make: zeekExporter },
  bro: { contentType: 'text/plain; charset=utf-8', detection: true, make: zeekExporter },
  rpz: { contentType: 'text/plain; charset=utf-8', detection: true, make: rpzExporter },
};

export type { ExportAttribute, Exporter, ExportFormat, ExportOptions } from './exporter.js';
