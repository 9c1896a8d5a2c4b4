/** MISP galaxies (the misp-galaxy `galaxies/*.json` and `clusters/*.json` formats). */

export interface Galaxy {
  uuid: string;
  type: string;
  name: string;
  namespace: string;
  description: string;
  version: number;
  icon: string;
  /** Kill-chain name → its phases in order, for galaxies of tactics and techniques. */
  killChainOrder?: Record<string, string[]>;
}

export interface ClusterRelation {
  destUuid: string;
  type: string;
  tags: string[];
}

export interface GalaxyCluster {
  uuid: string;
  /** The galaxy's type: the cluster's tag is `misp-galaxy:<type>="<value>"`. */
  type: string;
  value: string;
  description: string;
  source: string;
  authors: string[];
  version: number;
  meta: Record<string, unknown>;
  related: ClusterRelation[];
}

function record(raw: unknown, where: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${where}: not a JSON object`);
  return raw as Record<string, unknown>;
}

function required(r: Record<string, unknown>, field: string, where: string): string {
  const v = r[field];
  if (typeof v !== 'string' || v === '') throw new Error(`${where}: no ${field}`);
  return v;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export function parseGalaxy(raw: unknown, where = 'galaxy'): Galaxy {
  const g = record(raw, where);
  const order = g.kill_chain_order;
  return {
    uuid: required(g, 'uuid', where).toLowerCase(),
    type: required(g, 'type', where),
    name: required(g, 'name', where),
    namespace: str(g.namespace) || 'misp',
    description: str(g.description),
    version: Number(g.version ?? 0) || 0,
    icon: str(g.icon),
    ...(order && typeof order === 'object' && !Array.isArray(order)
      ? { killChainOrder: Object.fromEntries(Object.entries(order).map(([k, v]) => [k, strings(v)])) } : {}),
  };
}

/** The clusters of one `clusters/*.json` file, each carrying the file's source, authors and version. */
export function parseClusters(raw: unknown, where = 'clusters'): { type: string; clusters: GalaxyCluster[] } {
  const f = record(raw, where);
  const type = required(f, 'type', where);
  const values = Array.isArray(f.values) ? f.values : [];
  const clusters = values.map((v, i) => {
    const c = record(v, `${where} value ${i}`);
    const meta = c.meta && typeof c.meta === 'object' && !Array.isArray(c.meta) ? c.meta as Record<string, unknown> : {};
    const related = (Array.isArray(c.related) ? c.related : []).flatMap((r): ClusterRelation[] => {
      const rel = r as Record<string, unknown>;
      return typeof rel?.['dest-uuid'] === 'string' ? [{ destUuid: rel['dest-uuid'].toLowerCase(), type: str(rel.type), tags: strings(rel.tags) }] : [];
    });
    return {
      uuid: required(c, 'uuid', `${where} value ${i}`).toLowerCase(),
      type,
      value: required(c, 'value', `${where} value ${i}`),
      description: str(c.description),
      source: str(f.source),
      authors: strings(f.authors),
      version: Number(f.version ?? 0) || 0,
      meta,
      related,
    };
  });
  return { type, clusters };
}

export function clusterTagName(type: string, value: string): string {
  return `misp-galaxy:${type}="${value}"`;
}

/** Other names of a cluster (`meta.synonyms`): a tag naming one of them resolves to the cluster. */
export function clusterSynonyms(c: GalaxyCluster): string[] {
  return strings(c.meta.synonyms).filter((s) => s !== c.value);
}
