import type { Galaxy, GalaxyCluster } from '../../libraries/galaxy.js';
import { uuidV5 } from './ids.js';
import { customTypeExtension } from './misp-extension.js';
import type { StixObject } from './observables.js';

/** What the exporter knows of the cluster a galaxy tag names (from the loaded libraries), if anything. */
export interface KnownCluster {
  galaxy: Pick<Galaxy, 'type' | 'name'>;
  cluster: Pick<GalaxyCluster, 'uuid' | 'value' | 'description' | 'meta' | 'related'>;
}

/** Galaxy types and the STIX object each of their clusters becomes; anything else is a custom object. */
const STIX_TYPE: Record<string, string> = {
  'threat-actor': 'threat-actor', 'mitre-threat-actor': 'threat-actor', 'microsoft-activity-group': 'intrusion-set',
  'mitre-intrusion-set': 'intrusion-set', 'mitre-enterprise-attack-intrusion-set': 'intrusion-set',
  'mitre-malware': 'malware', 'mitre-enterprise-attack-malware': 'malware', malpedia: 'malware', ransomware: 'malware', rat: 'malware',
  backdoor: 'malware', banker: 'malware', botnet: 'malware', stealer: 'malware', android: 'malware', 'exploit-kit': 'malware', 'tds': 'malware',
  'mitre-tool': 'tool', 'mitre-enterprise-attack-tool': 'tool', tool: 'tool',
  'mitre-attack-pattern': 'attack-pattern', 'mitre-enterprise-attack-attack-pattern': 'attack-pattern', 'mitre-mobile-attack-attack-pattern': 'attack-pattern',
  'mitre-course-of-action': 'course-of-action',
};

/** An id namespace for clusters no library describes: the same tag gives the same id on every export. */
const TAG_NAMESPACE = '2d3c8b1e-6f0a-5a4e-9c7b-1f2e3d4c5b6a';

const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);

/** A galaxy cluster as a STIX domain object, from what its tag says and what the libraries know of it. */
export function clusterObject(tagName: string, type: string, value: string, known: KnownCluster | undefined, common: Record<string, unknown>): StixObject {
  const stixType = STIX_TYPE[type] ?? 'x-misp-galaxy-cluster';
  const uuid = known?.cluster.uuid ?? uuidV5(TAG_NAMESPACE, tagName);
  const name = known?.cluster.value ?? value;
  const description = known?.cluster.description || undefined;
  const meta = known?.cluster.meta ?? {};
  const refs: Array<Record<string, string>> = strings(meta.refs).filter((u) => /^https?:\/\//.test(u)).map((url) => ({ source_name: 'url', url }));
  const externalId = strings(meta.external_id)[0];
  const out: StixObject = { type: stixType, spec_version: '2.1', id: `${stixType}--${uuid}`, ...common, name, labels: [`misp:galaxy-type="${type}"`, tagName] };
  if (description) out.description = description;
  const aliases = strings(meta.synonyms);
  if (aliases.length && (stixType === 'threat-actor' || stixType === 'intrusion-set' || stixType === 'tool' || stixType === 'attack-pattern' || stixType === 'malware')) {
    out.aliases = aliases;
  }
  if (stixType === 'malware') out.is_family = true;
  if (stixType === 'attack-pattern' && externalId) refs.unshift({ source_name: 'mitre-attack', external_id: externalId });
  if (refs.length) out.external_references = refs;
  if (stixType === 'x-misp-galaxy-cluster') {
    out.x_misp_type = type;
    out.x_misp_value = value;
    if (known) out.x_misp_galaxy_name = known.galaxy.name;
    out.extensions = customTypeExtension();
  }
  return out;
}
