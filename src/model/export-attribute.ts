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
  /** Its event: `org` names the owning (member) organisation, `orgc` the creator. */
  event: {
    id: number; uuid: string; info: string; threatLevelId: number; orgc: string; tags: readonly string[];
    org: string; distribution: number; analysis: number; date: string; timestamp: number;
  };
}
