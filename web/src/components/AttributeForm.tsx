import { useState, type FormEvent } from 'react';
import { api, ApiFailure } from '../api';
import type { Attribute, AttributeSaved, DescribeTypes } from '@cairn/answers';
import { useLoad } from '../useLoad';
import { TagChip } from './TagChip';

let describeTypes: Promise<DescribeTypes> | undefined;

/** MISP's types, categories and their defaults: read once per page load. */
export function loadDescribeTypes(): Promise<DescribeTypes> {
  return (describeTypes ??= api<DescribeTypes>('GET', '/attributes/describeTypes.json'));
}

/**
 * Adds an attribute to an event, or changes one (`editing`) and its tags. A new attribute's category and
 * detection flag follow MISP's defaults for its type unless chosen.
 */
export function AttributeForm({ eventId, editing, onDone }: { eventId: string; editing?: Attribute; onDone: (message: string) => void }) {
  const types = useLoad(loadDescribeTypes, 'types');
  const [type, setType] = useState(editing?.type ?? 'domain');
  const [category, setCategory] = useState(editing?.category ?? '');
  const [value, setValue] = useState(editing?.value ?? '');
  const [comment, setComment] = useState(editing?.comment ?? '');
  const [toIds, setToIds] = useState<boolean | undefined>(editing?.to_ids);
  const [tag, setTag] = useState('');
  const [error, setError] = useState('');
  const defaults = types.data?.result.sane_defaults[type];
  const attempt = async (what: () => Promise<void>) => {
    setError('');
    try {
      await what();
    } catch (err) {
      setError(err instanceof ApiFailure || err instanceof Error ? err.message : String(err));
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void attempt(async () => {
      const fields = { type, value, comment, category: category || defaults?.default_category, to_ids: toIds ?? defaults?.to_ids === 1 };
      const answer = await api<AttributeSaved>('POST', editing ? `/attributes/edit/${editing.uuid}` : `/attributes/add/${eventId}`, fields);
      if (answer.errors) throw new Error(JSON.stringify(answer.errors));
      if (!editing) {
        setValue('');
        setComment('');
      }
      onDone(`${editing ? 'Changed' : 'Added'} ${type} ${value}.`);
    });
  };
  const tagging = (path: string, name: string, done: string) => attempt(async () => {
    await api('POST', path, { uuid: editing!.uuid, tag: name });
    onDone(done);
  });
  return (
    <form className="attribute-form" onSubmit={submit} aria-label={editing ? 'Change attribute' : 'Add attribute'}>
      <label>Type
        <select name="type" value={type} onChange={(e) => { setType(e.target.value); setCategory(''); setToIds(undefined); }}>
          {(types.data?.result.types ?? [type]).map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
      </label>
      <label>Category
        <select name="category" value={category || defaults?.default_category || ''} onChange={(e) => setCategory(e.target.value)}>
          {(types.data?.result.categories ?? []).map((c) => <option key={c} value={c}>{c}</option>)}
        </select>
      </label>
      <label className="grow">Value<input name="value" required value={value} onChange={(e) => setValue(e.target.value)} /></label>
      <label className="grow">Comment<input name="comment" value={comment} onChange={(e) => setComment(e.target.value)} /></label>
      <label className="check"><input type="checkbox" name="to_ids" checked={toIds ?? defaults?.to_ids === 1} onChange={(e) => setToIds(e.target.checked)} /> for detection</label>
      <button type="submit">{editing ? 'Save' : 'Add'}</button>
      {editing ? (
        <div className="attribute-tags">
          <span className="muted small">Tags:</span>
          {(editing.Tag ?? []).map((t) => <TagChip key={t.name} tag={t} onRemove={() => void tagging('/tags/removeTagFromObject', t.name, `Removed ${t.name}.`)} />)}
          <input aria-label="Tag for the attribute" placeholder="add a tag" value={tag} onChange={(e) => setTag(e.target.value)}
            onKeyDown={(e) => {
              if (e.key !== 'Enter' || !tag.trim()) return;
              e.preventDefault();
              void tagging('/tags/attachTagToObject', tag.trim(), `Tagged ${tag.trim()}.`).then(() => setTag(''));
            }} />
        </div>
      ) : null}
      {error ? <p className="error" role="alert">{error}</p> : null}
    </form>
  );
}
