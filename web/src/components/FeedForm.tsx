import { useState, type FormEvent } from 'react';
import { api, ApiFailure } from '../api';
import type { Feed, FeedEntry, SharingGroups } from '@cairn/answers';
import { useLoad } from '../useLoad';
import { DISTRIBUTIONS } from '../types';
import { FeedRuleFields, ruleFieldsOf, ruleProblems, rulesAndSettings, type RuleFields } from './FeedRules';

const FORMATS: Record<string, string> = { misp: 'MISP feed', csv: 'CSV', freetext: 'Free text', taxii: 'TAXII 2.1 collection' };
const FLAGS: ReadonlyArray<[keyof Feed & string, string]> = [
  ['enabled', 'enabled (fetched)'], ['caching_enabled', 'caching (feed hits)'], ['lookup_visible', 'visible to all users in lookups'],
  ['fixed_event', 'one event for the feed'], ['delta_merge', 'remove values that left the feed'], ['publish', 'publish its events'],
  ['override_ids', 'values not for detection'],
];

/**
 * Adds a feed or changes one (`editing`): MISP's fields, with the rules' filters and the CSV settings
 * as fields of their own (FeedRules.tsx: written into the rules and settings JSON, whose other members
 * are kept as they are), each checked before the feed is sent.
 */
export function FeedForm({ editing, onDone }: { editing?: Feed; onDone: (message: string) => void }) {
  const [fields, setFields] = useState<Record<string, string>>({
    name: editing?.name ?? '', provider: editing?.provider ?? '', url: editing?.url ?? '', source_format: editing?.source_format ?? 'misp',
    input_source: editing?.input_source ?? 'network', distribution: editing?.distribution ?? '0', sharing_group_id: editing?.sharing_group_id ?? '0', interval_minutes: editing?.interval_minutes ?? '0',
    headers: editing?.headers ?? '',
  });
  const [rules, setRules] = useState<RuleFields>(ruleFieldsOf(editing?.rules, editing?.settings));
  const [checked, setChecked] = useState(false);
  // A new feed starts as MISP's API adds one: one event for the feed, everything else off.
  const [flags, setFlags] = useState<Record<string, boolean>>(Object.fromEntries(FLAGS.map(([f]) => [f, editing ? editing[f] === true : f === 'fixed_event'])));
  const [error, setError] = useState('');
  const groups = useLoad(() => (fields.distribution === '4' ? api<SharingGroups>('GET', '/sharing_groups') : Promise.resolve(undefined)), fields.distribution === '4' ? 'groups' : '');
  const set = (k: string) => (e: { target: { value: string } }) => setFields({ ...fields, [k]: e.target.value });
  const text = (k: string, label: string, placeholder = '') => (
    <label className={k === 'url' ? 'grow' : ''}>{label}<input name={k} placeholder={placeholder} value={fields[k] ?? ''} onChange={set(k)} /></label>
  );
  const problems = checked ? ruleProblems(rules, fields.source_format === 'csv') : {};
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    setChecked(true);
    const found = ruleProblems(rules, fields.source_format === 'csv');
    if (Object.keys(found).length) {
      setError('The rules are not right: see the fields marked.');
      return;
    }
    const { sharing_group_id: group, ...rest } = fields;
    const body = { ...rest, ...flags, ...rulesAndSettings(rules, editing?.rules, editing?.settings), ...(rest.distribution === '4' ? { sharing_group_id: group } : {}) };
    try {
      const saved = await api<FeedEntry>('POST', editing ? `/feeds/edit/${editing.id}` : '/feeds/add', { Feed: body });
      onDone(`${editing ? 'Changed' : 'Added'} the feed ${saved.Feed.name}.`);
    } catch (err) {
      setError(err instanceof ApiFailure ? err.message : String(err));
    }
  };
  return (
    <form className="attribute-form feed-form" aria-label={editing ? 'Change feed' : 'Add feed'} onSubmit={submit}>
      {text('name', 'Name')}
      {text('provider', 'Provider')}
      <label>Format
        <select name="source_format" value={fields.source_format} onChange={set('source_format')}>
          {Object.entries(FORMATS).map(([k, v]) => <option key={k} value={k}>{v}</option>)}
        </select>
      </label>
      <label>Source
        <select name="input_source" value={fields.input_source} onChange={set('input_source')}>
          <option value="network">network</option><option value="local">local file</option>
        </select>
      </label>
      {text('url', 'URL', fields.input_source === 'local' ? '/path/to/feed' : 'https://…')}
      <label>Distribution
        <select name="distribution" value={fields.distribution} onChange={set('distribution')}>
          {Object.entries(DISTRIBUTIONS).filter(([k]) => k !== '5').map(([k, v]) => <option key={k} value={k}>{v}</option>)}
        </select>
      </label>
      {fields.distribution === '4' ? (
        <label>Sharing group
          <select name="sharing_group_id" value={fields.sharing_group_id} onChange={set('sharing_group_id')}>
            <option value="0">choose…</option>
            {(groups.data?.response ?? []).map((g) => <option key={g.SharingGroup.id} value={g.SharingGroup.id}>{g.SharingGroup.name}</option>)}
          </select>
        </label>
      ) : null}
      <label>Every (minutes)<input name="interval_minutes" type="number" min={0} value={fields.interval_minutes} onChange={set('interval_minutes')} /></label>
      <label className="grow">Headers<textarea name="headers" rows={2} placeholder="Authorization: … (one a line)" value={fields.headers} onChange={set('headers')} /></label>
      <FeedRuleFields fields={rules} problems={problems} format={fields.source_format ?? 'misp'} onChange={setRules} />
      <div className="flags">
        {FLAGS.map(([f, label]) => (
          <label key={f} className="check"><input type="checkbox" name={f} checked={flags[f] ?? false} onChange={(e) => setFlags({ ...flags, [f]: e.target.checked })} /> {label}</label>
        ))}
      </div>
      <button type="submit">{editing ? 'Save feed' : 'Add feed'}</button>
      {error ? <p className="error" role="alert">{error}</p> : null}
    </form>
  );
}
