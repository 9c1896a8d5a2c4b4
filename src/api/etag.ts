import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** A strong entity tag of an answer's text. */
export function etagOf(text: string): string {
  return `"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"`;
}

/** Whether the request's If-None-Match names this tag (weak or strong, or `*`). */
function matches(request: FastifyRequest, tag: string): boolean {
  const header = request.headers['if-none-match'];
  if (!header) return false;
  return header.split(',').some((t) => {
    const v = t.trim();
    return v === '*' || v.replace(/^W\//, '') === tag;
  });
}

/**
 * A JSON answer with its ETag; 304 with no body when the client holds it already. The text is
 * serialised once here, so that the tag is of exactly what is sent.
 */
export function sendWithEtag(request: FastifyRequest, reply: FastifyReply, body: unknown, text = JSON.stringify(body), tag = etagOf(text)): FastifyReply {
  reply.header('ETag', tag);
  if (matches(request, tag)) return reply.status(304).send();
  return reply.type('application/json; charset=utf-8').send(text);
}
