import { modelTypes, type DecayingModelRecord } from '../../store/decaying-models.js';

/**
 * A decaying model as MISP answers it (decayingModel/index, view, add, edit, enable, disable): ids and
 * version as text, flags as booleans, parameters, types and references decoded; `default` marks the
 * library's. `isEditable`, when given, says whether the asker may change it.
 */
export function decayingModelFields(m: DecayingModelRecord, isEditable?: boolean) {
  return {
    id: String(m.id), uuid: m.uuid, name: m.name, parameters: m.parameters, attribute_types: modelTypes(m), description: m.description,
    org_id: String(m.orgId), enabled: m.enabled, all_orgs: m.allOrgs, ref: m.ref, formula: m.formula, version: String(m.version), default: m.isDefault,
    ...(isEditable !== undefined ? { isEditable } : {}),
  };
}

/** `{"DecayingModel": {…}, "DecayingModelMapping": [{id, attribute_type, model_id}]}`, as MISP's find answers a model with its links. */
export function decayingModelDocument(m: DecayingModelRecord, isEditable?: boolean) {
  return {
    DecayingModel: decayingModelFields(m, isEditable),
    DecayingModelMapping: m.mappings.map((l) => ({ id: String(l.id), attribute_type: l.type, model_id: String(m.id) })),
  };
}
