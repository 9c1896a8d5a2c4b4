import { Type } from 'typebox';
import { DateText, Doc, IdText, UuidText } from './answer-fields.js';

/** MISP's event delegations (eventDelegations/*), as their answers carry them. */
const Org = () => Doc({ id: IdText(), name: Type.String(), uuid: UuidText() });

const DelegationDistribution = () => Type.String({ pattern: '^(-1|[0-4])$', description: '-1 the recipient decides, 0 organisation … 4 sharing group' });

/** The request itself, as delegateEvent answers it and view shows it. */
export const EventDelegationRow = Doc({
  id: IdText(), org_id: IdText('the organisation asked'), requester_org_id: IdText('the organisation asking'), event_id: IdText(),
  message: Type.String(), distribution: DelegationDistribution(), sharing_group_id: IdText('"0" when none'),
});

export const EventDelegationMade = Doc({ EventDelegation: EventDelegationRow });

const DelegatedEvent = Doc({
  id: IdText(), info: Type.String(), uuid: UuidText(), analysis: IdText(), distribution: IdText(), threat_level_id: IdText(),
  date: DateText(), attribute_count: IdText(),
});

/** An index entry: the row, without "recipient decides" and "no sharing group", with its event and organisations inside. */
export const EventDelegationEntry = Doc({
  EventDelegation: Doc({
    id: IdText(), org_id: IdText(), requester_org_id: IdText(), event_id: IdText(), message: Type.String(),
    distribution: Type.Optional(DelegationDistribution()), sharing_group_id: Type.Optional(IdText()),
    Event: DelegatedEvent, Org: Org(), RequesterOrg: Org(),
  }),
});

export const EventDelegations = Type.Array(EventDelegationEntry);

export const EventDelegationView = Doc({
  EventDelegation: EventDelegationRow, Org: Org(), RequesterOrg: Org(), Event: DelegatedEvent,
  SharingGroup: Doc({ id: Type.Optional(IdText()), name: Type.Optional(Type.String()), uuid: Type.Optional(UuidText()) }, 'empty when none'),
  requested_distribution_level: Type.Union([Type.Literal(false), Type.String()], { description: 'false: the recipient decides' }),
});
