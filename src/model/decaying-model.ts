/**
 * MISP's decaying models of indicators: how much an attribute is still worth (its score, 0–100) as time
 * passes since it was last seen, and whether it has decayed (fallen under the model's threshold).
 * The formulas are those of MISP's DecayingModelsFormulas, after the paper "An indicator scoring method
 * for MISP platforms" (https://arxiv.org/abs/1902.03914). Pure: the caller supplies the tags' numerical
 * values and the sightings.
 */

/** The formulas MISP ships; a model names one. */
export const DECAY_FORMULAS = ['Polynomial', 'PolynomialExtended', 'Sightings'] as const;
export type DecayFormula = (typeof DECAY_FORMULAS)[number];

export interface DecayParameters {
  /** Days after which the score reaches 0 (Polynomial). */
  lifetime: number;
  /** How fast the score falls: 1 linearly, more than 1 quickly at first, less than 1 slowly at first. */
  decay_speed: number;
  /** Under this score, the attribute has decayed. */
  threshold: number;
  /** The base score of an attribute carrying none of the tags the configuration weighs. */
  default_base_score: number;
  /** Tag bases (`namespace:predicate`, or a namespace for `namespace:value` tags) and their weights. */
  base_score_config: Record<string, number>;
  /** The Sightings formula's settings (minimum_sightings, true_positive_offset, false_positive_offset). */
  settings?: Record<string, number>;
}

/** The parameters a search may override for one search (MISP's modelOverrides and score). */
export type DecayOverrides = Partial<Pick<DecayParameters, 'threshold' | 'lifetime' | 'decay_speed'>>;
export const OVERRIDABLE = ['threshold', 'lifetime', 'decay_speed'] as const;

/** The formula a name means, MISP's names in any case (`polynomial` is how MISP stores its default). */
export function decayFormula(name: unknown): DecayFormula | undefined {
  if (typeof name !== 'string') return undefined;
  const plain = name.replace(/[\s_-]/g, '').toLowerCase();
  return DECAY_FORMULAS.find((f) => f.toLowerCase() === plain);
}

/** A finite number as MISP clients write them (numbers or numeric text); undefined otherwise. */
function numberOf(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** MISP keeps four decimals of each parameter. */
const round4 = (n: number) => Math.round(n * 10_000) / 10_000;

function jsonObject(v: unknown, field: string): Record<string, unknown> | string {
  let value = v;
  if (typeof value === 'string') {
    if (value.trim() === '') return {};
    try {
      value = JSON.parse(value);
    } catch {
      return `${field} must be a JSON object`;
    }
  }
  // PHP encodes an empty object as [] at times.
  if (Array.isArray(value) && value.length === 0) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${field} must be an object`;
  return value as Record<string, unknown>;
}

function weights(raw: Record<string, unknown>, field: string): Record<string, number> | string {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(raw)) {
    const n = numberOf(v);
    if (n === undefined || n < 0) return `${field}.${k} must be a number of 0 or more`;
    out[k] = round4(n);
  }
  return out;
}

/**
 * A model's parameters as sent (an object, or its JSON text as MISP's form posts it), checked: lifetime
 * and decay_speed above 0 (the formula divides by them), threshold and default_base_score numbers,
 * base_score_config weights; numbers kept to four decimals as MISP does. A text naming the field and
 * its problem when they do not fit.
 */
export function decayParameters(raw: unknown): DecayParameters | string {
  if (raw === undefined || raw === null || raw === '') return 'parameters is required: lifetime, decay_speed, threshold and default_base_score';
  const p = jsonObject(raw, 'parameters');
  if (typeof p === 'string') return p;
  const need = (name: 'lifetime' | 'decay_speed' | 'threshold' | 'default_base_score', positive: boolean): number | string => {
    const n = numberOf(p[name]);
    if (n === undefined) return `parameters.${name} is required and must be a number`;
    if (positive ? n <= 0 : n < 0) return `parameters.${name} must be ${positive ? 'above 0' : '0 or more'}, not ${n}`;
    return round4(n);
  };
  const lifetime = need('lifetime', true);
  const decaySpeed = need('decay_speed', true);
  const threshold = need('threshold', false);
  const defaultBase = need('default_base_score', false);
  for (const v of [lifetime, decaySpeed, threshold, defaultBase]) if (typeof v === 'string') return v;
  const config = jsonObject(p.base_score_config ?? {}, 'parameters.base_score_config');
  if (typeof config === 'string') return config;
  const baseScoreConfig = weights(config, 'parameters.base_score_config');
  if (typeof baseScoreConfig === 'string') return baseScoreConfig;
  let settings: Record<string, number> | undefined;
  if (p.settings !== undefined && p.settings !== null) {
    const s = jsonObject(p.settings, 'parameters.settings');
    if (typeof s === 'string') return s;
    const w = weights(s, 'parameters.settings');
    if (typeof w === 'string') return w;
    settings = w;
  }
  return {
    lifetime: lifetime as number, decay_speed: decaySpeed as number, threshold: threshold as number, default_base_score: defaultBase as number,
    base_score_config: baseScoreConfig, ...(settings ? { settings } : {}),
  };
}

/** Overrides as sent (an object or its JSON text): only threshold, lifetime and decay_speed count, as in MISP. */
export function decayOverrides(raw: unknown, field = 'modelOverrides'): DecayOverrides | string {
  if (raw === undefined || raw === null || raw === '') return {};
  const o = jsonObject(raw, field);
  if (typeof o === 'string') return o;
  const out: DecayOverrides = {};
  for (const name of OVERRIDABLE) {
    if (o[name] === undefined || o[name] === null || o[name] === '') continue;
    const n = numberOf(o[name]);
    if (n === undefined || (name === 'threshold' ? n < 0 : n <= 0)) return `${field}.${name} must be a number ${name === 'threshold' ? 'of 0 or more' : 'above 0'}`;
    out[name] = n;
  }
  return out;
}

/** What a score is computed from: an attribute, its tags, and what the reader may see of its sightings. */
export interface DecayItem {
  /** Seconds since the epoch of its last change. */
  timestamp: number;
  /** ISO 8601, or null. */
  lastSeen: string | null;
  /** The names of its own tags, then of its event's. */
  tags: readonly string[];
  eventTags: readonly string[];
  /** The newest sighting (type 0) the reader may see, seconds. */
  lastSighting?: number;
  /** How many sightings the reader may see: of type 0 (true positives), and of all types. */
  positives: number;
  sightings: number;
}

export interface DecayResult {
  score: number;
  base_score: number;
  decayed: boolean;
}

/**
 * The part of a tag name a model's base_score_config weighs: `ns:predicate` for `ns:predicate="value"`,
 * the namespace for `ns:value`, the whole name for any other tag.
 */
export function tagBase(name: string): string {
  if (/^[^:="]+:[^:="]+="[^:="]+"$/.test(name)) return name.slice(0, name.indexOf('='));
  if (/^[^:="]+:[^:="]+$/.test(name)) return name.slice(0, name.indexOf(':'));
  return name;
}

/**
 * The tags that count: the event's, where an attribute tag of the same base takes the place of the
 * event's (the first of them; the others drop), then the attribute's other tags.
 */
export function prioritisedTags(tags: readonly string[], eventTags: readonly string[]): string[] {
  const out: Array<string | undefined> = [...eventTags];
  const byBase = new Map<string, number[]>();
  eventTags.forEach((t, i) => byBase.set(tagBase(t), [...(byBase.get(tagBase(t)) ?? []), i]));
  for (const t of tags) {
    const at = byBase.get(tagBase(t));
    if (!at) {
      out.push(t);
      continue;
    }
    at.forEach((i, k) => {
      out[i] = k === 0 ? t : undefined;
    });
  }
  return out.filter((t): t is string => t !== undefined);
}

/**
 * The base score: the tags' numerical values weighed by the configuration, the weights shared out among
 * the bases the attribute carries a valued tag of; the model's default when it carries none.
 */
export function baseScore(p: DecayParameters, tags: readonly string[], numerical: (tag: string) => number | undefined): number {
  const config = p.base_score_config;
  const weighed = tags.filter((t) => config[tagBase(t)] !== undefined);
  const total = weighed.filter((t) => numerical(t) !== undefined).reduce((sum, t) => sum + config[tagBase(t)]!, 0);
  if (total === 0) return p.default_base_score;
  const ratios = new Map<string, number>();
  for (const t of weighed) if (numerical(t) !== undefined) ratios.set(tagBase(t), config[tagBase(t)]! / total);
  let score = 0;
  for (const t of weighed) {
    const ratio = ratios.get(tagBase(t));
    if (ratio !== undefined) score += ratio * (numerical(t) ?? 0);
  }
  return score;
}

/**
 * When the attribute was last known alive: its newest sighting; its last_seen, else its last change,
 * when it has none, or when it changed after that sighting.
 */
export function lastAlive(item: DecayItem): number {
  const lastSeen = item.lastSeen ? Math.floor(Date.parse(item.lastSeen) / 1000) : undefined;
  const fallback = lastSeen !== undefined && Number.isFinite(lastSeen) ? lastSeen : item.timestamp;
  const sighted = item.lastSighting ?? fallback;
  return item.timestamp > sighted ? fallback : sighted;
}

/** Polynomial: base × (1 − (elapsed / lifetime)^(1 / decay_speed)), never below 0; 0 for a future date. */
function polynomial(p: DecayParameters, base: number, elapsed: number): number {
  if (elapsed < 0) return 0;
  const score = base * (1 - Math.pow(elapsed / (p.lifetime * 86_400), 1 / p.decay_speed));
  return score > 0 ? score : 0;
}

/** The retention taxonomy's tags end an attribute's life that many days after its last change. */
function retained(item: DecayItem, tags: readonly string[], numerical: (tag: string) => number | undefined, now: number): boolean {
  for (const t of tags) {
    if (!t.startsWith('retention:')) continue;
    const days = numerical(t);
    if (days !== undefined && now - item.timestamp > days * 86_400) return false;
  }
  return true;
}

/** Sightings: the share of true positives among the sightings, offsets added, times the base score. */
function bySightings(p: DecayParameters, base: number, item: DecayItem): number {
  const s = p.settings ?? {};
  if (item.sightings < (s.minimum_sightings ?? 1)) return base;
  const total = item.sightings + (s.true_positive_offset ?? 0) + (s.false_positive_offset ?? 0);
  return total > 0 ? ((item.positives + (s.true_positive_offset ?? 0)) / total) * base : base;
}

/** An attribute's score under a model at `now` (seconds), and whether it has decayed. */
export function decayScore(
  model: { formula: DecayFormula; parameters: DecayParameters }, item: DecayItem, numerical: (tag: string) => number | undefined, now: number,
): DecayResult {
  const p = model.parameters;
  const tags = prioritisedTags(item.tags, item.eventTags);
  const base = baseScore(p, tags, numerical);
  let score: number;
  if (model.formula === 'Sightings') score = bySightings(p, base, item);
  else {
    score = polynomial(p, base, now - lastAlive(item));
    if (model.formula === 'PolynomialExtended' && !retained(item, tags, numerical, now)) score = 0;
  }
  return { score, base_score: base, decayed: p.threshold > score };
}
