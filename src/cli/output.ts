import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/**
 * Writes text pieces to a file, or to standard output, waiting whenever the stream asks to: an export
 * of millions of lines holds no more than the stream's buffer, whatever the speed of the disk or pipe.
 */
export async function writeChunks(chunks: AsyncIterable<string>, path?: string): Promise<void> {
  const out = path ? createWriteStream(path) : process.stdout;
  for await (const text of chunks) if (text && !out.write(text)) await once(out, 'drain');
  if (out !== process.stdout) {
    out.end();
    await once(out, 'finish');
  }
}
