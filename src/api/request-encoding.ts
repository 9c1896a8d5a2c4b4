import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable, Transform } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.js';

/** The request encodings read, as servers/getVersion advertises them: MISP compresses its larger bodies with the first it shares. */
export const REQUEST_ENCODINGS = ['gzip', 'br'] as const;

function decoder(encoding: string): Transform | undefined {
  if (encoding === 'gzip' || encoding === 'x-gzip') return createGunzip();
  if (encoding === 'br') return createBrotliDecompress();
  if (encoding === 'deflate') return createInflate();
  return undefined;
}

/**
 * Reads compressed request bodies (Content-Encoding gzip, br, deflate) before they are parsed. The body
 * limit applies to what the body decompresses to, so a small bomb is refused as a large body.
 */
export function decodeRequestBodies(app: FastifyInstance): void {
  app.addHook('preParsing', async (request, _reply, payload) => {
    const header = request.headers['content-encoding'];
    const encoding = (Array.isArray(header) ? header[0] : header)?.trim().toLowerCase();
    if (!encoding || encoding === 'identity') return payload;
    const decode = decoder(encoding);
    if (!decode) throw new ApiError(415, `Content-Encoding ${encoding} is not read here: send the body plain, or as ${REQUEST_ENCODINGS.join(' or ')}.`);
    // Fastify compares Content-Length with the bytes that came over the wire, not with the decoded ones.
    const decoded = decode as Transform & { receivedEncodedLength: number };
    decoded.receivedEncodedLength = 0;
    payload.on('data', (chunk: Buffer) => {
      decoded.receivedEncodedLength += chunk.length;
    });
    payload.on('error', (err) => decoded.destroy(err));
    decoded.on('error', (err: Error & { statusCode?: number }) => {
      err.statusCode = 400;
      err.message = `The request body is not valid ${encoding}: ${err.message}`;
    });
    return (payload as Readable).pipe(decoded);
  });
}
