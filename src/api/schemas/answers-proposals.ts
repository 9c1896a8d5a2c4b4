import { Type, type Static } from 'typebox';
import { Doc, EpochText, IdText, Nullable, UuidText } from './answer-fields.js';

/*
 * What the proposal routes answer (src/api/routes/proposals.ts), member for member as MISP's
 * ShadowAttributesController: ids and timestamps as text, flags booleans.
 */

const Common = {
  id: IdText(), old_id: IdText('0 for a new attribute, else the id of the attribute it changes'), event_id: IdText(),
  type: Type.String(), category: Type.String(), value: Type.String(), comment: Type.String(), to_ids: Type.Boolean(),
  uuid: UuidText(), first_seen: Nullable(Type.String()), last_seen: Nullable(Type.String()),
};

/** shadow_attributes/add and edit: the proposal stored. */
export const ProposalSaved = Doc({
  ShadowAttribute: Doc({ ...Common, event_org_id: IdText(), email: Type.String(), deleted: Type.Boolean(), timestamp: EpochText() }),
});
export type ProposalSaved = Static<typeof ProposalSaved>;

/** shadow_attributes/view. */
export const ProposalView = Doc({ ShadowAttribute: Doc({ ...Common, org_id: IdText() }) });
export type ProposalView = Static<typeof ProposalView>;

/** shadow_attributes/index: each with its event's and proposer's uuids. */
export const ProposalIndex = Type.Array(Doc({
  ShadowAttribute: Doc({
    ...Common, org_id: IdText(), timestamp: EpochText(), deleted: Type.Boolean(), proposal_to_delete: Type.Boolean(), disable_correlation: Type.Boolean(),
    org_uuid: UuidText(), old_uuid: Type.Optional(UuidText()), event_uuid: UuidText(), Org: Doc({ name: Type.String(), uuid: UuidText() }),
  }),
}));
export type ProposalIndex = Static<typeof ProposalIndex>;

/** accept and discard. */
export const ProposalDecided = Doc({ name: Type.String(), message: Type.String(), url: Type.String() });

/** delete: a proposal to delete the attribute. */
export const ProposalToDelete = Doc({ saved: Type.Boolean(), success: Type.String() });
