// Frozen with migration 009 (see README.md).

/**
 * TLP and PAP as migration 009 stored them, enabled, so that every instance tags with their rules from
 * its first start. Each is stored as `JSON.stringify` of its object here: the order of the keys is part of it.
 */
export const BUILTIN_TAXONOMIES = [
  {
    namespace: 'tlp',
    description: 'Traffic Light Protocol (FIRST TLP 2.0, with the 1.0 label WHITE): how far the recipient may share.',
    version: 1,
    exclusive: true,
    predicates: [
      { value: 'red', expanded: '(TLP:RED) For the named recipients only.', colour: '#FF2B2B', exclusive: false, entries: [] },
      { value: 'amber+strict', expanded: '(TLP:AMBER+STRICT) Within the recipient\'s organisation only.', colour: '#FFC000', exclusive: false, entries: [] },
      { value: 'amber', expanded: '(TLP:AMBER) Within the recipient\'s organisation and its clients, on a need-to-know basis.', colour: '#FFC000', exclusive: false, entries: [] },
      { value: 'green', expanded: '(TLP:GREEN) Within the recipient\'s community, not publicly.', colour: '#33FF00', exclusive: false, entries: [] },
      { value: 'clear', expanded: '(TLP:CLEAR) No limit on disclosure.', colour: '#FFFFFF', exclusive: false, entries: [] },
      { value: 'white', expanded: '(TLP:WHITE) No limit on disclosure (TLP 1.0\'s name for CLEAR).', colour: '#FFFFFF', exclusive: false, entries: [] },
    ],
  },
  {
    namespace: 'PAP',
    description: 'Permissible Actions Protocol: what the recipient may do with the information.',
    version: 1,
    exclusive: true,
    predicates: [
      { value: 'RED', expanded: '(PAP:RED) Passive use only, on isolated systems; nothing the adversary could detect.', colour: '#FF0033', exclusive: false, entries: [] },
      { value: 'AMBER', expanded: '(PAP:AMBER) Passive cross-checks only; no action the adversary could detect.', colour: '#FFC000', exclusive: false, entries: [] },
      { value: 'GREEN', expanded: '(PAP:GREEN) Active actions allowed, such as blocking or pivoting.', colour: '#339900', exclusive: false, entries: [] },
      { value: 'CLEAR', expanded: '(PAP:CLEAR) No restriction on use.', colour: '#FFFFFF', exclusive: false, entries: [] },
      { value: 'WHITE', expanded: '(PAP:WHITE) No restriction on use (the older name for CLEAR).', colour: '#FFFFFF', exclusive: false, entries: [] },
    ],
  },
] as const;
