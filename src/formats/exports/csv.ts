import { THREAT_LEVELS, type ThreatLevel } from '../../model/event.js';
import type { ExportAttribute, Exporter, ExportOptions } from './exporter.js';

const ATTRIBUTE_FIELDS = ['uuid', 'event_id', 'category', 'type', 'value', 'comment', 'to_ids', 'timestamp', 'object_relation', 'attribute_tag'] as const;
const OBJECT_FIELDS = ['object_uuid', 'object_name', 'object_meta-category'] as const;
/** Added to the default columns when the search asks for decay scores (includeDecayScore, excludeDecayed). */
const DECAY_FIELDS = ['decay_score_score', 'decay_score_decayed'] as const;
// MISP's event_context_fields, in its order.
const CONTEXT_FIELDS = [
  'event_info', 'event_member_org', 'event_source_org', 'event_distribution', 'event_threat_level_id', 'event_analysis', 'event_date', 'event_tag', 'event_timestamp',
] as const;

type Field = string;

/** A field as MISP quotes it: numbers and flags bare, text in double quotes with quotes doubled. */
function cell(v: string | number | boolean | null | undefined): string {
  if (v === undefined || v === null) return '""';
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number') return String(v);
  return v.includes('"') ? `"${v.replace(/"/g, '""')}"` : `"${v}"`;
}

function fieldOf(a: ExportAttribute, f: Field): string | number | boolean | null | undefined {
  switch (f) {
    case 'uuid': return a.uuid;
    case 'id': return a.id;
    case 'event_id': return a.event.id;
    case 'event_uuid': return a.event.uuid;
    case 'category': return a.category;
    case 'type': return a.type;
    case 'value': return a.value;
    case 'comment': return a.comment;
    case 'to_ids': return a.to_ids;
    case 'timestamp': return a.timestamp;
    case 'object_relation': return a.objectRelation;
    case 'attribute_tag': return a.tags.length ? a.tags.join(',') : undefined;
    case 'object_uuid': return a.object?.uuid;
    case 'object_name': return a.object?.name;
    case 'object_meta-category': return a.object?.metaCategory;
    case 'event_info': return a.event.info;
    case 'event_member_org': return a.event.org ?? a.event.orgc;
    case 'event_source_org': return a.event.orgc;
    case 'event_distribution': return a.event.distribution;
    case 'event_analysis': return a.event.analysis;
    case 'event_date': return a.event.date;
    case 'event_timestamp': return a.event.timestamp;
    // MISP writes the level's name here (its CSV joins ThreatLevel), not the number.
    case 'event_threat_level_id': return THREAT_LEVELS[a.event.threatLevelId as ThreatLevel] ?? a.event.threatLevelId;
    case 'event_tag': return a.event.tags.length ? a.event.tags.join(',') : undefined;
    // MISP's CSV of decay: the mean of the models' scores, and whether any finds the attribute decayed.
    case 'decay_score_score': return a.decayScores?.length ? a.decayScores.reduce((sum, s) => sum + s.score, 0) / a.decayScores.length : 0;
    case 'decay_score_decayed': return a.decayScores?.some((s) => s.decayed) ?? false;
    default: return undefined;
  }
}

function names(raw: unknown): string[] | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  return (Array.isArray(raw) ? raw : String(raw).split(',')).map((v) => String(v).trim()).filter(Boolean);
}

/**
 * MISP's CSV: a header (`timestamp` is titled `date`), one line per attribute, and a blank line at the
 * end. `requested_attributes` and `requested_obj_attributes` choose the columns, `includeContext` adds
 * the event's, `headerless` drops the header; includeDecayScore adds decay_score_score and decay_score_decayed.
 */
export function csvExporter(options: ExportOptions): Exporter {
  const requested = names(options.requested_attributes);
  const objectFields = names(options.requested_obj_attributes)?.map((f) => `object_${f}`) ?? (requested ? [] : [...OBJECT_FIELDS]);
  const flag = (v: unknown) => v === true || v === 1 || v === '1' || v === 'true';
  const decay = flag(options.includeDecayScore) || flag(options.excludeDecayed) ? DECAY_FIELDS : [];
  const fields: Field[] = [...(requested ?? [...ATTRIBUTE_FIELDS, ...decay]), ...objectFields, ...(options.includeContext ? CONTEXT_FIELDS : [])];
  const headerless = flag(options.headerless);
  return {
    header: () => (headerless ? '' : `${fields.map((f) => (f === 'timestamp' ? 'date' : f.replace(/-/g, '_'))).join(',')}\n`),
    add: (a) => `${fields.map((f) => cell(fieldOf(a, f))).join(',')}\n`,
    footer: () => '\n',
  };
}
