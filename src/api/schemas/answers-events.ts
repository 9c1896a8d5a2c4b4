import { Type, type Static } from 'typebox';
import { DateText, Doc, EpochText, IdText, Nullable, UuidText } from './answer-fields.js';
import { FeedHit } from './answers-feeds.js';

/*
 * What MISP's event and attribute routes answer, as Cairn serves them (src/formats/misp-json/serialize.ts,
 * src/api/routes/events.ts and attributes.ts). Ids, enums and timestamps are text, flags booleans.
 */

/** 0 your organisation … 5 inherit the event's. */
const Distribution = () => Type.String({ pattern: '^[0-5]$', description: '0 organisation, 1 community, 2 connected, 3 all, 4 sharing group, 5 inherit' });
const SharingGroupRef = () => Type.Optional(Doc({ uuid: UuidText(), name: Type.String() }));

const OrgRef = () => Doc({ uuid: UuidText(), name: Type.String() });

/** MISP 2.5's notes, opinions and relationships, as documents carry them on the element they are about (src/services/analyst-data/document.ts). */
export const AnalystItem = Doc({
  uuid: UuidText(), note_type_name: Type.String({ description: 'Note, Opinion or Relationship' }), object_uuid: UuidText(), object_type: Type.String(),
  authors: Type.String(), distribution: Type.String(), created: Type.Optional(Type.String()), modified: Type.Optional(Type.String()),
  note: Type.Optional(Type.String()), language: Type.Optional(Type.String()),
  opinion: Type.Optional(Type.String({ description: '0–100' })), comment: Type.Optional(Type.String()),
  relationship_type: Type.Optional(Type.String()), related_object_uuid: Type.Optional(Type.String()), related_object_type: Type.Optional(Type.String()),
  Orgc: Type.Optional(OrgRef()),
  Note: Type.Optional(Type.Array(Type.Unknown({ description: 'notes on this one, in the same shape' }))),
  Opinion: Type.Optional(Type.Array(Type.Unknown({ description: 'opinions on this one, in the same shape' }))),
  Relationship: Type.Optional(Type.Array(Type.Unknown({ description: 'relationships of this one, in the same shape' }))),
});
export type AnalystItem = Static<typeof AnalystItem>;

/** What analysts attached to an element: present when there is some the viewer may see. */
const ANALYST_MEMBERS = {
  Note: Type.Optional(Type.Array(AnalystItem)), Opinion: Type.Optional(Type.Array(AnalystItem)), Relationship: Type.Optional(Type.Array(AnalystItem)),
};

export const Tag = Doc({ name: Type.String(), colour: Type.String(), local: Type.Boolean(), relationship_type: Type.String() });
export type Tag = Static<typeof Tag>;

export const Sighting = Doc({
  id: IdText(), attribute_id: IdText(), event_id: IdText(), org_id: IdText('the organisation that saw it; "0" when none is named'), uuid: UuidText(), type: Type.String({ description: '0 sighting, 1 false positive, 2 expiration' }), date_sighting: EpochText(), source: Type.String(),
  Organisation: Type.Optional(Doc({ id: IdText(), uuid: UuidText(), name: Type.String() })),
});
export type Sighting = Static<typeof Sighting>;

/** An attribute as an event's document holds it, with its local ids (a feed or a file leaves them out). */
export const Attribute = Doc({
  id: IdText(), event_id: IdText(), object_id: IdText('its object; "0" when it is in none'),
  uuid: UuidText(), type: Type.String(), category: Type.String(), value: Type.String(), to_ids: Type.Boolean(),
  distribution: Distribution(), sharing_group_id: IdText('"0" when none'), SharingGroup: SharingGroupRef(),
  comment: Type.String(), timestamp: EpochText(), disable_correlation: Type.Boolean(), deleted: Type.Boolean(),
  first_seen: Nullable(Type.String()), last_seen: Nullable(Type.String()),
  object_relation: Type.Optional(Type.String({ description: 'in an object: its relation' })),
  data: Type.Optional(Type.String({ description: 'base64 of an attachment or malware sample' })),
  Tag: Type.Optional(Type.Array(Tag)), Sighting: Type.Optional(Type.Array(Sighting)), ...ANALYST_MEMBERS,
  Feed: Type.Optional(Type.Array(FeedHit, { description: 'with includeFeedCorrelations: the cached feeds holding its value' })),
});
export type Attribute = Static<typeof Attribute>;

export const ObjectReference = Doc({
  id: IdText(), object_id: IdText(), event_id: IdText(), source_uuid: UuidText(), uuid: UuidText(), object_uuid: UuidText(), referenced_uuid: UuidText(), relationship_type: Type.String(), comment: Type.String(),
  timestamp: EpochText(), deleted: Type.Boolean(),
});
export type ObjectReference = Static<typeof ObjectReference>;

export const MispObject = Doc({
  id: IdText(), event_id: IdText(),
  uuid: UuidText(), name: Type.String(), 'meta-category': Type.String(), description: Type.String(), template_uuid: Type.String(), template_version: Type.String(),
  comment: Type.String(), distribution: Distribution(), sharing_group_id: IdText('"0" when none'), SharingGroup: SharingGroupRef(),
  timestamp: EpochText(), first_seen: Nullable(Type.String()), last_seen: Nullable(Type.String()), deleted: Type.Boolean(),
  Attribute: Type.Array(Attribute), ObjectReference: Type.Array(ObjectReference), ...ANALYST_MEMBERS,
});
export type MispObject = Static<typeof MispObject>;

export const EventReport = Doc({
  id: IdText(), event_id: IdText(),
  uuid: UuidText(), name: Type.String(), content: Type.String(), distribution: Distribution(), sharing_group_id: IdText('"0" when none'), SharingGroup: SharingGroupRef(),
  timestamp: EpochText(), deleted: Type.Boolean(), ...ANALYST_MEMBERS,
});
export type EventReport = Static<typeof EventReport>;

/** A galaxy an item's `misp-galaxy:` tags name; a cluster the loaded libraries do not know has only what its tag says. */
export const Galaxy = Doc({
  name: Type.String(), type: Type.String(), namespace: Type.String(), description: Type.String(),
  GalaxyCluster: Type.Array(Doc({
    type: Type.String(), value: Type.String(), tag_name: Type.String(), local: Type.Boolean(),
    description: Type.Optional(Type.String()), meta: Type.Record(Type.String(), Type.Array(Type.String())),
  })),
});
export type Galaxy = Static<typeof Galaxy>;

const OrgIdRef = () => Doc({ id: IdText(), uuid: UuidText(), name: Type.String() });

/** The fields events/index and events/view both give an event. */
const EVENT_FIELDS = {
  id: IdText(), uuid: UuidText(), info: Type.String(), date: DateText(),
  threat_level_id: Type.String({ pattern: '^[1-4]$', description: '1 high, 2 medium, 3 low, 4 undefined' }),
  analysis: Type.String({ pattern: '^[0-2]$', description: '0 initial, 1 ongoing, 2 completed' }),
  distribution: Type.String({ pattern: '^[0-4]$', description: '0 organisation, 1 community, 2 connected, 3 all, 4 sharing group' }),
  published: Type.Boolean(), timestamp: EpochText(), publish_timestamp: EpochText(), disable_correlation: Type.Boolean(), extends_uuid: Type.String(),
};

export const RelatedEvent = Doc({ Event: Doc({ id: IdText(), uuid: UuidText(), info: Type.String(), date: DateText() }) });
export type RelatedEvent = Static<typeof RelatedEvent>;

export const Event = Doc({
  ...EVENT_FIELDS, org_id: IdText(), orgc_id: IdText(), attribute_count: IdText('its live attributes'),
  sharing_group_id: IdText('"0" when none'), SharingGroup: SharingGroupRef(),
  protected: Type.Optional(Type.Boolean({ description: 'MISP\'s protected mode: sync users may not change the event' })),
  Orgc: OrgIdRef(), Org: OrgIdRef(),
  Tag: Type.Array(Tag), Attribute: Type.Array(Attribute), Object: Type.Array(MispObject), EventReport: Type.Optional(Type.Array(EventReport)),
  Galaxy: Type.Array(Galaxy), RelatedEvent: Type.Array(RelatedEvent), ...ANALYST_MEMBERS,
});
export type Event = Static<typeof Event>;

/** events/view, and events/add with what it left out of the event in `errors`. */
export const EventView = Doc({ Event, errors: Type.Optional(Type.Array(Type.String(), { description: 'attributes left out, and why' })) });
export type EventView = Static<typeof EventView>;

export const EventIndexEntry = Doc({
  ...EVENT_FIELDS, org_id: IdText(), orgc_id: IdText(), attribute_count: IdText('live attributes you may see'), sharing_group_id: IdText(),
  proposal_email_lock: Type.Boolean(), locked: Type.Boolean(), sighting_timestamp: EpochText(),
  Org: OrgIdRef(), Orgc: OrgIdRef(), EventTag: Type.Array(Doc({ Tag: Doc({ name: Type.String(), colour: Type.String() }) })),
});
export type EventIndexEntry = Static<typeof EventIndexEntry>;

/** events/index with `minimal`: what a sync compares. */
export const EventIndexMinimalEntry = Doc({
  id: IdText(), timestamp: EpochText(), sighting_timestamp: EpochText(), published: Type.Boolean(), uuid: UuidText(), orgc_uuid: UuidText(),
});
export type EventIndexMinimalEntry = Static<typeof EventIndexMinimalEntry>;

export const EventIndex = Type.Union([Type.Array(EventIndexEntry), Type.Array(EventIndexMinimalEntry)], { description: 'the events, in full or (minimal) as a sync compares them' });
export type EventIndex = Static<typeof EventIndex>;

/** An attribute's tag as attributes/restSearch lists it; `inherited` marks its event's (includeEventTags). */
export const HitTag = Doc({
  id: IdText(), name: Type.String(), colour: Type.String(), exportable: Type.Boolean(), hide_tag: Type.Boolean(), local: Type.Boolean(),
  relationship_type: Type.String(), inherited: Type.Optional(Type.Literal(1)),
});

const HIT_FIELDS = {
  id: IdText(), event_id: IdText(), object_id: IdText(), object_relation: Nullable(Type.String()), category: Type.String(), type: Type.String(),
  to_ids: Type.Boolean(), uuid: UuidText(), timestamp: EpochText(), distribution: Distribution(), sharing_group_id: IdText(), comment: Type.String(),
  deleted: Type.Boolean(), disable_correlation: Type.Boolean(), first_seen: Nullable(Type.String()), last_seen: Nullable(Type.String()), value: Type.String(),
  Event: Doc({ org_id: IdText(), distribution: Distribution(), id: IdText(), info: Type.String(), orgc_id: IdText(), uuid: UuidText() }),
};

/** An attribute of another event that shares a value (includeCorrelations), with its event's essentials. */
export const RelatedAttribute = Doc(HIT_FIELDS);

/** One decaying model's score of an attribute (includeDecayScore). */
export const DecayScore = Doc({
  score: Type.Number(), base_score: Type.Number(), decayed: Type.Boolean(),
  DecayingModel: Doc({ id: IdText(), name: Type.String() }, 'the model: its id and name, or all of it with includeFullModel'),
});

/** An attribute as attributes/restSearch finds it: with its local ids, its tags and its event's essentials. */
export const AttributeHit = Doc({
  ...HIT_FIELDS,
  event_uuid: Type.Optional(UuidText()),
  Tag: Type.Optional(Type.Array(HitTag)),
  RelatedAttribute: Type.Optional(Type.Array(RelatedAttribute)),
  Sighting: Type.Optional(Type.Array(Sighting)),
  decay_score: Type.Optional(Type.Array(DecayScore)),
});
export type AttributeHit = Static<typeof AttributeHit>;

/** attributes/restSearch as JSON (other return formats are text). */
export const AttributeSearch = Doc({ response: Doc({ Attribute: Type.Array(AttributeHit) }) });
export type AttributeSearch = Static<typeof AttributeSearch>;

export const DescribeTypes = Doc({
  result: Doc({
    sane_defaults: Type.Record(Type.String(), Doc({ default_category: Type.String(), to_ids: Type.Union([Type.Literal(0), Type.Literal(1)]) })),
    types: Type.Array(Type.String()), categories: Type.Array(Type.String()),
    category_type_mappings: Type.Record(Type.String(), Type.Array(Type.String())),
  }),
});
export type DescribeTypes = Static<typeof DescribeTypes>;

/** attributes/view and attributes/edit: one attribute with its local ids; attributes/add answers a list when given one. */
const { Event: _event, RelatedAttribute: _related, Tag: _tag, event_uuid: _eventUuid, Sighting: _sighting, ...SAVED_ATTRIBUTE } = AttributeHit.properties;
export const SavedAttribute = Doc(SAVED_ATTRIBUTE);
export type SavedAttribute = Static<typeof SavedAttribute>;

export const AttributeSaved = Doc({
  Attribute: Type.Union([SavedAttribute, Type.Array(SavedAttribute)]),
  errors: Type.Optional(Type.Record(Type.String(), Type.Record(Type.String(), Type.Array(Type.String())), {
    description: 'attributes left out, by `attribute_N` (N its place in the list sent), then by field, and why',
  })),
});
export type AttributeSaved = Static<typeof AttributeSaved>;
