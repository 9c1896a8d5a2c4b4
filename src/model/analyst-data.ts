/** MISP 2.5's analyst data: what an analyst says about an element (a note, an opinion) or how it relates to another. */
export const ANALYST_KINDS = ['Note', 'Opinion', 'Relationship'] as const;
export type AnalystKind = (typeof ANALYST_KINDS)[number];

export function isAnalystKind(text: string): text is AnalystKind {
  return (ANALYST_KINDS as readonly string[]).includes(text);
}

/** What analyst data may be attached to, as MISP names it. */
export const ANALYST_TARGETS = [
  'Attribute', 'Event', 'EventReport', 'GalaxyCluster', 'Galaxy', 'Object', 'Note', 'Opinion', 'Relationship', 'Organisation', 'SharingGroup',
] as const;

export function isAnalystTarget(text: string): boolean {
  return (ANALYST_TARGETS as readonly string[]).includes(text);
}

/*
 * The shapes below are written out rather than imported from event.ts, which holds these items on its
 * MispEvent: the two modules would otherwise import each other.
 */

/** One note, opinion or relationship as a document carries it, attached by uuid to the element `object_uuid` names. */
export interface AnalystData {
  kind: AnalystKind;
  uuid: string;
  object_uuid: string;
  object_type: string;
  /** Null when the document names none: whoever stores it is the author. */
  authors: string | null;
  language: string | null;
  /** Null when the document names none: the instance's default applies. */
  distribution: 0 | 1 | 2 | 3 | 4 | null;
  /** Set at distribution 4 only. */
  sharing_group?: { uuid?: string; id?: number };
  /** The creator organisation the document names; kept only for those the policy lets keep it. */
  orgc?: { uuid: string; name: string };
  /** Seconds since the epoch, when the document says. */
  created: number | null;
  modified: number | null;
  note?: string;
  /** 0–100. */
  opinion?: number;
  comment?: string;
  relationship_type?: string;
  related_object_uuid?: string;
  related_object_type?: string;
}
