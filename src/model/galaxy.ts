import type { TagRef } from './event.js';

/** A galaxy cluster as a tag names it: `misp-galaxy:<type>="<value>"`. */
export interface ClusterRef {
  type: string;
  value: string;
  tagName: string;
  local: boolean;
}

const GALAXY_TAG = /^misp-galaxy:([^=]+)="(.*)"$/;

export function clusterOfTag(tag: TagRef): ClusterRef | undefined {
  const m = GALAXY_TAG.exec(tag.name);
  return m ? { type: m[1]!, value: m[2]!, tagName: tag.name, local: tag.local } : undefined;
}

/** The clusters an item's galaxy tags name, grouped by galaxy type in the order the tags come. */
export function galaxiesOfTags(tags: readonly TagRef[]): Map<string, ClusterRef[]> {
  const out = new Map<string, ClusterRef[]>();
  for (const t of tags) {
    const c = clusterOfTag(t);
    if (c) out.set(c.type, [...(out.get(c.type) ?? []), c]);
  }
  return out;
}
