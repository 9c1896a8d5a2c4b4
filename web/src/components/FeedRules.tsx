/**
 * A feed's pull rules and CSV settings as form fields rather than JSON: MISP's rules
 * `{"tags":{"OR":[],"NOT":[]},"orgs":{"OR":[],"NOT":[]},"url_params":""}` and settings
 * `{"csv":{"value":"1,3","delimiter":","},"common":{"excluderegex":"/…/"}}`. Members a form does not
 * show (url_params, other settings) are kept as stored. The checks here are the server's
 * (services/feeds/config.ts), made before sending so that each field says what is wrong with it.
 */

type Json = Record<string, unknown>;

/** The fields of the rules and settings, as the form holds them (names one a line). */
export interface RuleFields {
  tagsAllow: string;
  tagsBlock: string;
  orgsAllow: string;
  orgsBlock: string;
  columns: string;
  delimiter: string;
  exclude: string;
}

export const RULE_FIELD_NAMES: ReadonlyArray<keyof RuleFields> = ['tagsAllow', 'tagsBlock', 'orgsAllow', 'orgsBlock', 'columns', 'delimiter', 'exclude'];

function object(text: string | undefined): Json {
  try {
    const v: unknown = JSON.parse(text || '{}');
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
  } catch {
    return {};
  }
}

const names = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v !== '' ? [v] : []);
const lines = (list: unknown) => names(list).join('\n');
const listOf = (text: string) => text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);

/** The form's fields from a feed's stored rules and settings texts. */
export function ruleFieldsOf(rulesText: string | undefined, settingsText: string | undefined): RuleFields {
  const rules = object(rulesText);
  const tags = (rules.tags ?? {}) as Json;
  const orgs = (rules.orgs ?? {}) as Json;
  const settings = object(settingsText);
  const csv = (settings.csv ?? {}) as Json;
  const common = (settings.common ?? {}) as Json;
  return {
    tagsAllow: lines(tags.OR), tagsBlock: lines(tags.NOT), orgsAllow: lines(orgs.OR), orgsBlock: lines(orgs.NOT),
    columns: String(csv.value ?? ''), delimiter: String(csv.delimiter ?? ''), exclude: String(common.excluderegex ?? ''),
  };
}

/** A delimited PCRE (`/…/i`) or a bare pattern, as the server reads it: whether JavaScript compiles it. */
function compiles(pattern: string): boolean {
  const delimited = /^([/#~!@%|])([\s\S]*)\1([imsxu]*)$/.exec(pattern);
  try {
    if (delimited) new RegExp(delimited[2]!, delimited[3]!.replace(/x/g, ''));
    else new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/** What is wrong with each field, by field; empty when nothing is. */
export function ruleProblems(f: RuleFields, csv: boolean): Partial<Record<keyof RuleFields, string>> {
  const out: Partial<Record<keyof RuleFields, string>> = {};
  const clash = (allow: string, block: string) => listOf(allow).map((n) => n.toLowerCase()).filter((n) => listOf(block).some((b) => b.toLowerCase() === n));
  const tags = clash(f.tagsAllow, f.tagsBlock);
  if (tags.length) out.tagsBlock = `${tags.join(', ')} is both allowed and blocked`;
  const orgs = clash(f.orgsAllow, f.orgsBlock);
  if (orgs.length) out.orgsBlock = `${orgs.join(', ')} is both allowed and blocked`;
  if (csv && f.columns.trim() !== '') {
    if (!/^\s*\d+\s*(,\s*\d+\s*)*$/.test(f.columns)) out.columns = 'Column numbers, from 1, separated by commas (for example 1,3)';
    else if (f.columns.split(',').some((c) => Number(c) === 0)) out.columns = 'Columns are counted from 1';
  }
  if (csv && f.delimiter !== '' && f.delimiter !== '\\t' && f.delimiter.length !== 1) out.delimiter = 'One character (\\t for a tab), or empty for a comma';
  if (f.exclude !== '' && !compiles(f.exclude)) out.exclude = 'Not a regular expression: write it as /pattern/ (with flags after, as /pattern/i)';
  return out;
}

/** The rules and settings texts to send: the stored ones with the form's members in place of theirs. */
export function rulesAndSettings(f: RuleFields, rulesText: string | undefined, settingsText: string | undefined): { rules: string; settings: string } {
  const rules = object(rulesText);
  const settings = object(settingsText);
  return {
    rules: JSON.stringify({
      ...rules,
      tags: { OR: listOf(f.tagsAllow), NOT: listOf(f.tagsBlock) },
      orgs: { OR: listOf(f.orgsAllow), NOT: listOf(f.orgsBlock) },
      url_params: typeof rules.url_params === 'string' || (rules.url_params && typeof rules.url_params === 'object') ? rules.url_params : '',
    }),
    settings: JSON.stringify({
      ...settings,
      csv: { ...((settings.csv ?? {}) as Json), value: f.columns.replace(/\s+/g, ''), delimiter: f.delimiter || ',' },
      common: { ...((settings.common ?? {}) as Json), excluderegex: f.exclude },
    }),
  };
}

/** The fields themselves: the filters for every format (a MISP feed's events), the CSV settings for CSV, the exclusion for lists. */
export function FeedRuleFields({ fields, problems, format, onChange }: {
  fields: RuleFields;
  problems: Partial<Record<keyof RuleFields, string>>;
  format: string;
  onChange: (next: RuleFields) => void;
}) {
  const field = (k: keyof RuleFields, label: string, multi: boolean, placeholder = '', help = '') => (
    <label className={multi ? 'grow' : ''}>{label}
      {multi
        ? <textarea name={k} rows={2} placeholder={placeholder} value={fields[k]} aria-invalid={problems[k] ? true : undefined} onChange={(e) => onChange({ ...fields, [k]: e.target.value })} />
        : <input name={k} placeholder={placeholder} value={fields[k]} aria-invalid={problems[k] ? true : undefined} onChange={(e) => onChange({ ...fields, [k]: e.target.value })} />}
      {problems[k] ? <span className="error small" role="alert">{problems[k]}</span> : help ? <span className="muted small">{help}</span> : null}
    </label>
  );
  const tabular = format === 'csv' || format === 'freetext';
  if (format !== 'misp' && !tabular) return null;
  return (
    <fieldset className="feed-rules">
      <legend>{format === 'misp' ? 'Rules' : 'Values read'}</legend>
      {format === 'misp' ? (
        <>
          {field('tagsAllow', 'Tags to allow', true, 'tlp:white', 'one a line; an event needs one of them')}
          {field('tagsBlock', 'Tags to block', true, 'tlp:red', 'one a line; an event with one is left out')}
          {field('orgsAllow', 'Organisations to allow', true, 'CIRCL', 'creators, one a line')}
          {field('orgsBlock', 'Organisations to block', true, '', 'creators, one a line')}
        </>
      ) : null}
      {format === 'csv' ? field('columns', 'Value columns', false, '1,3', 'from 1; none: the first') : null}
      {format === 'csv' ? field('delimiter', 'Delimiter', false, ',', '\\t for a tab') : null}
      {tabular ? field('exclude', 'Exclude (regex)', false, '/^10\\./', 'values it matches are left out') : null}
    </fieldset>
  );
}
