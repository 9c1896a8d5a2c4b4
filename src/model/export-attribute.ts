/** What a line-oriented export needs of one attribute: the attribute, its object and its event. */
export interface ExportAttribute {
  id: number;
  uuid: string;
  type: string;
  category: string;
  value: string;
  comment: string;
  to_ids: boolean;
  timestamp: number;
  objectRelation: string | null;
  /** Names of the attribute's own tags. */
  tags: readonly string[];
  object: { uuid: string; name: string; metaCategory: string } | null;
  /** Its decay scores, one per model scoring it, when the export asked for them (includeDecayScore). */
  decayScores?: ReadonlyArray<{ score: number; decayed: boolean }>;
  /** The event's own fields a CSV export's `includeContext` adds (`org`, the owner, `orgc`, the creator, by name). */
  event: {
    id: number; uuid: string; info: string; threatLevelId: number; orgc: string; org: string | null; tags: readonly string[];
    distribution: number; analysis: number; date: string; timestamp: number;
  };
}
