/** TAXII 2.1's media types, and its error message resource. */

export const TAXII_MEDIA = 'application/taxii+json;version=2.1';
export const STIX_MEDIA = 'application/stix+json;version=2.1';

/** A failure answered as TAXII's error message resource, with its HTTP status. */
export class TaxiiError extends Error {
  constructor(readonly status: number, readonly title: string, readonly description?: string, readonly headers: Record<string, string> = {}) {
    super(description ?? title);
  }
}

export function errorResource(status: number, title: string, description?: string): Record<string, string> {
  return { title, ...(description ? { description } : {}), http_status: String(status) };
}

interface MediaRange {
  type: string;
  params: Map<string, string>;
  q: number;
}

function mediaRanges(header: string): MediaRange[] {
  return header.split(',').map((part) => {
    const [type = '', ...rest] = part.split(';').map((s) => s.trim());
    const params = new Map(rest.map((p) => {
      const eq = p.indexOf('=');
      return [p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim().replace(/^"|"$/g, '')] as [string, string];
    }));
    const q = params.has('q') ? Number(params.get('q')) : 1;
    return { type: type.toLowerCase(), params, q: Number.isNaN(q) ? 0 : q };
  }).filter((r) => r.type !== '');
}

/** Whether a media type is TAXII 2.1's JSON: `application/taxii+json`, of version 2.1 or unversioned. */
function isTaxii21(r: MediaRange): boolean {
  return r.type === 'application/taxii+json' && (!r.params.has('version') || r.params.get('version') === '2.1');
}

/** Whether the client accepts TAXII 2.1 answers; a request that says nothing accepts anything. */
export function acceptsTaxii(accept: string | undefined): boolean {
  if (!accept?.trim()) return true;
  return mediaRanges(accept).some((r) => r.q > 0 && (isTaxii21(r) || r.type === '*/*' || r.type === 'application/*'));
}

/** Whether a request body is declared as TAXII 2.1 JSON. */
export function isTaxiiContent(contentType: string | undefined): boolean {
  return contentType !== undefined && mediaRanges(contentType).some(isTaxii21);
}
