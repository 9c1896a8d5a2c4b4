import { useState, type FormEvent } from 'react';
import { api, ApiFailure } from '../api';
import type { MispObject, ObjectTemplateEntry, ObjectTemplateView } from '@cairn/answers';
import { useLoad } from '../useLoad';


/**
 * Adds an object of a loaded template, or changes one (`editing`): one field per relation, the template's
 * rules checked by the server. A changed value replaces the attribute of that relation; a new one is added.
 */
export function ObjectForm({ eventId, editing, onDone }: { eventId: string; editing?: MispObject; onDone: (message: string) => void }) {
  const templates = useLoad(() => api<ObjectTemplateEntry[]>('GET', '/objectTemplates'), 'templates');
  const [chosen, setChosen] = useState(editing?.name ?? '');
  const template = useLoad(() => (chosen ? api<ObjectTemplateView>('GET', `/objectTemplates/view/${chosen}`) : Promise.resolve(undefined)), chosen);
  const current = (relation: string) => editing?.Attribute.find((a) => a.object_relation === relation && !a.deleted);
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries((editing?.Attribute ?? []).filter((a) => !a.deleted && a.object_relation).map((a) => [a.object_relation!, a.value])));
  const [error, setError] = useState('');
  if (templates.data && templates.data.length === 0 && !editing) return <p className="muted">No object templates are loaded (cairn libraries load DIR).</p>;
  const t = template.data;
  const required = new Set([...(t?.ObjectTemplate.requirements.required ?? []), ...(t?.ObjectTemplate.requirements.requiredOneOf ?? [])]);
  const elements = [...(t?.ObjectTemplateElement ?? [])].sort((a, b) => Number(b['ui-priority']) - Number(a['ui-priority']) || a.object_relation.localeCompare(b.object_relation));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!t) return;
    setError('');
    try {
      const Attribute = elements.filter((el) => values[el.object_relation]?.trim() && values[el.object_relation]!.trim() !== current(el.object_relation)?.value)
        .map((el) => ({ ...(current(el.object_relation) ? { uuid: current(el.object_relation)!.uuid } : {}), object_relation: el.object_relation, type: el.type, value: values[el.object_relation]!.trim() }));
      if (editing) {
        await api('POST', `/objects/edit/${editing.uuid}`, { Object: { Attribute } });
        onDone(`Changed the ${editing.name} object.`);
        return;
      }
      await api('POST', `/objects/add/${eventId}`, { Object: {
        name: t.ObjectTemplate.name, template_uuid: t.ObjectTemplate.uuid, template_version: t.ObjectTemplate.version, 'meta-category': t.ObjectTemplate['meta-category'], Attribute,
      } });
      setValues({});
      onDone(`Added a ${t.ObjectTemplate.name} object.`);
    } catch (err) {
      setError(err instanceof ApiFailure ? err.message : String(err));
    }
  };
  return (
    <form className="attribute-form object-form" onSubmit={submit} aria-label={editing ? 'Change object' : 'Add object'}>
      <label>Template
        <select name="template" value={chosen} disabled={editing !== undefined} onChange={(e) => { setChosen(e.target.value); setValues({}); }}>
          <option value="">choose…</option>
          {(templates.data ?? []).map((x) => <option key={x.ObjectTemplate.uuid} value={x.ObjectTemplate.name}>{x.ObjectTemplate.name}</option>)}
        </select>
      </label>
      {t ? <p className="muted small grow">{t.ObjectTemplate.description}</p> : null}
      {elements.map((el) => (
        <label key={el.object_relation} className="relation-field" title={el.description}>
          {el.object_relation}{required.has(el.object_relation) ? ' *' : ''} <span className="muted">({el.type})</span>
          {el.values_list.length ? (
            <select aria-label={el.object_relation} value={values[el.object_relation] ?? ''} onChange={(e) => setValues({ ...values, [el.object_relation]: e.target.value })}>
              <option value="" />
              {el.values_list.map((v) => <option key={v} value={v}>{v}</option>)}
            </select>
          ) : <input aria-label={el.object_relation} value={values[el.object_relation] ?? ''} onChange={(e) => setValues({ ...values, [el.object_relation]: e.target.value })} />}
        </label>
      ))}
      {t ? <button type="submit">{editing ? 'Save object' : 'Add object'}</button> : null}
      {error ? <p className="error" role="alert">{error}</p> : null}
    </form>
  );
}
