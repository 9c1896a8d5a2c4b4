import type { Viewer } from '../../access/viewer.js';
import type { TaxonomyRules } from '../../libraries/taxonomy.js';
import { decayScore, type DecayOverrides } from '../../model/decaying-model.js';
import { userSetting } from '../../store/access/user-settings.js';
import type { Store } from '../../store/db/database.js';
import { listDecayingModels, modelTypes, type DecayingModelRecord } from '../../store/decaying-models.js';
import { sightingSummaries } from '../../store/sightings.js';
import { ServiceError } from '../errors.js';
import { decayingModelFields } from './documents.js';

/** What a search asks of the decay (MISP's includeDecayScore and its companions). */
export interface DecayQuery {
  /** Only these models, enabled or not, scoring every attribute (MISP's decayingModel); else the enabled models linked to each attribute's type. */
  modelIds?: readonly number[];
  /** Parameters changed for this search (modelOverrides, and score as the threshold). */
  overrides: DecayOverrides;
  /** Leave out the attributes every model scoring them finds decayed (excludeDecayed). */
  excludeDecayed: boolean;
  /** Each score carries the whole model, not only its id and name (includeFullModel). */
  fullModel: boolean;
}

/** One model's score of an attribute, as MISP lists it under `decay_score`. */
export interface DecayScoreDocument {
  score: number;
  base_score: number;
  decayed: boolean;
  DecayingModel: { id: string; name: string } | ReturnType<typeof decayingModelFields>;
}

/** An attribute as scoring reads it. */
export interface ScoredAttribute {
  id: number;
  type: string;
  timestamp: number;
  lastSeen: string | null;
  /** Names of its own tags, and of its event's. */
  tags: readonly string[];
  eventTags: readonly string[];
}

/** Whether an attribute is left out by excludeDecayed: some model scores it and every one finds it decayed. */
export function allDecayed(scores: ReadonlyArray<{ decayed: boolean }> | undefined): boolean {
  return scores !== undefined && scores.length > 0 && scores.every((s) => s.decayed);
}

/** The user's own numerical values for tags (MISP's user setting tag_numerical_value_override). */
async function numericalOverrides(store: Store, userId: number | undefined): Promise<ReadonlyMap<string, number>> {
  if (userId === undefined) return new Map();
  const row = await userSetting(store, userId, 'tag_numerical_value_override');
  if (!row) return new Map();
  try {
    const value: unknown = JSON.parse(row.value);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return new Map();
    return new Map(Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      return Number.isFinite(n) ? [[k, n] as [string, number]] : [];
    }));
  } catch {
    return new Map();
  }
}

/**
 * Scores attributes under the decaying models a search uses, read once per search: the models the
 * viewer may see (those named, or the enabled ones of his organisation or shared with all), the tags'
 * numerical values (the enabled taxonomies', the user's overrides first), and the time of the search.
 */
export class DecayScorer {
  private constructor(
    private readonly store: Store,
    private readonly viewer: Viewer,
    private readonly models: readonly DecayingModelRecord[],
    private readonly byType: ReadonlyMap<string, readonly DecayingModelRecord[]> | undefined,
    private readonly numerical: (tag: string) => number | undefined,
    private readonly query: DecayQuery,
    private readonly now: number,
  ) {}

  static async load(store: Store, viewer: Viewer, query: DecayQuery, rules: TaxonomyRules, userId?: number): Promise<DecayScorer> {
    let models: DecayingModelRecord[];
    let byType: Map<string, DecayingModelRecord[]> | undefined;
    if (query.modelIds) {
      models = await listDecayingModels(store, viewer, { ids: query.modelIds });
      const missing = query.modelIds.filter((id) => !models.some((m) => m.id === id));
      if (missing.length) throw new ServiceError('invalid', `restSearch: decayingModel names no decaying model you may see: ${missing.join(', ')}`);
    } else {
      models = await listDecayingModels(store, viewer, { enabled: true, own: true });
      byType = new Map();
      for (const m of models) for (const t of modelTypes(m)) byType.set(t, [...(byType.get(t) ?? []), m]);
    }
    const overrides = await numericalOverrides(store, userId);
    const numerical = (tag: string) => overrides.get(tag) ?? rules.describe(tag)?.numericalValue;
    return new DecayScorer(store, viewer, models, byType, numerical, query, Math.floor(Date.now() / 1000));
  }

  get excludeDecayed(): boolean {
    return this.query.excludeDecayed;
  }

  /** The scores of each attribute, by id, a model's each; an attribute no model scores is absent. */
  async scores(items: readonly ScoredAttribute[]): Promise<Map<number, DecayScoreDocument[]>> {
    const out = new Map<number, DecayScoreDocument[]>();
    const scored = items.filter((a) => this.modelsFor(a.type).length > 0);
    if (scored.length === 0) return out;
    const sightings = await sightingSummaries(this.store, this.viewer, scored.map((a) => a.id));
    for (const a of scored) {
      const s = sightings.get(a.id);
      const item = {
        timestamp: a.timestamp, lastSeen: a.lastSeen, tags: a.tags, eventTags: a.eventTags,
        ...(s?.lastPositive !== undefined ? { lastSighting: s.lastPositive } : {}), positives: s?.positives ?? 0, sightings: s?.total ?? 0,
      };
      out.set(a.id, this.modelsFor(a.type).map((m) => {
        const parameters = { ...m.parameters, ...this.query.overrides };
        const r = decayScore({ formula: m.formula, parameters }, item, this.numerical, this.now);
        return {
          ...r,
          DecayingModel: this.query.fullModel ? { ...decayingModelFields(m), parameters } : { id: String(m.id), name: m.name },
        };
      }));
    }
    return out;
  }

  private modelsFor(type: string): readonly DecayingModelRecord[] {
    return this.byType ? this.byType.get(type) ?? [] : this.models;
  }
}
