import type { Viewer } from '../../access/viewer.js';
import { eventCorrelations } from './event-correlations.js';
import type { Store } from '../db/database.js';
import type { EventRef } from '../events/reader.js';
import type { CorrelationSettings } from '../settings.js';

export interface GraphNode {
  event: string;
  info: string;
  date: string;
  /** Steps from the event the graph was drawn around. */
  depth: number;
}

export interface GraphEdge {
  from: string;
  to: string;
  /** Values the two events share. */
  shared: number;
  /** Some of them (the first ten), as the event nearer the centre holds them. */
  values: string[];
}

export interface CorrelationGraph {
  event: string;
  depth: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Some events were left out because the graph reached its node limit. */
  truncated: boolean;
  /** The centre event's values held by more events than the threshold: not followed, flagged. */
  overCorrelating: Array<{ value: string; events: number }>;
}

export interface GraphLimits {
  /** How many correlation steps away from the event to go. */
  depth: number;
  /** The most events the graph holds, the event itself included. */
  maxNodes: number;
}

export const GRAPH_DEFAULTS: GraphLimits = { depth: 2, maxNodes: 100 };
export const GRAPH_MAX_DEPTH = 5;
export const GRAPH_MAX_NODES = 1000;

/**
 * The events around one, breadth first: each step is one event's correlations, so the cost is one
 * correlation query per event drawn. Edges join events that are both in the graph; what the viewer may
 * not see is neither a node nor an edge. Nearer events always come before farther ones.
 */
export async function correlationGraph(
  store: Store, viewer: Viewer, ref: EventRef, settings: CorrelationSettings, limits: GraphLimits = GRAPH_DEFAULTS,
): Promise<CorrelationGraph | undefined> {
  const root = await eventCorrelations(store, viewer, ref, settings);
  if (!root) return undefined;
  const nodes = new Map<number, GraphNode>();
  const edges = new Map<string, GraphEdge>();
  const graph: CorrelationGraph = { event: root.uuid, depth: limits.depth, nodes: [], edges: [], truncated: false, overCorrelating: root.overCorrelating };
  nodes.set(root.id, { event: root.uuid, info: root.info, date: root.date, depth: 0 });
  let frontier = [root.id];
  let current: typeof root | undefined = root;
  for (let depth = 0; depth < limits.depth && frontier.length > 0; depth++) {
    const next: number[] = [];
    for (const id of frontier) {
      const c = current && current.id === id ? current : await eventCorrelations(store, viewer, { id }, settings);
      current = undefined;
      if (!c) continue;
      const from = nodes.get(id)!;
      for (const r of c.related) {
        if (!nodes.has(r.id)) {
          if (nodes.size >= limits.maxNodes) {
            graph.truncated = true;
            continue;
          }
          nodes.set(r.id, { event: r.uuid, info: r.info, date: r.date, depth: depth + 1 });
          next.push(r.id);
        }
        const to = nodes.get(r.id)!;
        const key = id < r.id ? `${id}-${r.id}` : `${r.id}-${id}`;
        if (!edges.has(key)) edges.set(key, { from: from.event, to: to.event, shared: r.shared, values: r.values.slice(0, 10) });
      }
    }
    frontier = next;
  }
  graph.nodes = [...nodes.values()];
  graph.edges = [...edges.values()];
  return graph;
}
