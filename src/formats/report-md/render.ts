import { datetimeToSeconds } from '../../model/datetime.js';
import { THREAT_LEVELS, type Attribute, type MispEvent } from '../../model/event.js';
import { NO_TEMPLATES, type TemplateDescriptions } from '../../libraries/object-template.js';

export interface ReportOptions {
  /** Types whose values are printed as `<type>` instead of the value. */
  redact?: ReadonlySet<string>;
  /** Descriptions of object templates, for objects that carry none. */
  templates?: TemplateDescriptions;
  /** Events that share values with this one; the section is printed only when given. */
  related?: ReadonlyArray<{ uuid: string; date: string; info: string; shared: number }>;
}

function shownValue(a: Attribute, redact: ReadonlySet<string>): string {
  if (redact.has(a.type)) return `<${a.type}>`;
  return a.type === 'datetime' ? datetimeToSeconds(a.value) : a.value;
}

function withComment(line: string, comment: string): string {
  const first = comment.split(/\r?\n/)[0]?.trimEnd() ?? '';
  return first.trim() === '' ? line : `${line} \u2014 ${first}`;
}

/**
 * What analysts said about the event and its elements (notes and opinions; relationships are links, not
 * words), each line naming the element it is about, a value shown as the report shows it.
 */
function analystLines(event: MispEvent, redact: ReadonlySet<string>): string[] {
  const items = event.analyst_data ?? [];
  if (items.length === 0) return [];
  const about = new Map<string, string>([[event.uuid, '']]);
  for (const a of [...event.attributes, ...event.objects.flatMap((o) => o.attributes)]) about.set(a.uuid, `on ${a.type} ${shownValue(a, redact)}: `);
  for (const o of event.objects) about.set(o.uuid, `on object ${o.name}: `);
  for (const r of event.reports) about.set(r.uuid, `on report ${r.name}: `);
  const lines: string[] = [];
  for (const item of items) {
    const on = about.get(item.object_uuid) ?? (items.some((i) => i.uuid === item.object_uuid) ? 'in reply: ' : undefined);
    if (on === undefined) continue;
    const by = item.authors ? ` (${item.authors})` : '';
    if (item.kind === 'Note') lines.push(`* ${on}${(item.note ?? '').split(/\r?\n/)[0]?.trim() ?? ''}${by}`);
    else if (item.kind === 'Opinion') lines.push(withComment(`* ${on}opinion ${item.opinion ?? 0}/100`, item.comment ?? '') + by);
  }
  return lines;
}

/** The event as the seeds' threat report: Markdown with exactly one trailing newline. */
export function renderReport(event: MispEvent, options: ReportOptions = {}): string {
  const redact = options.redact ?? new Set<string>();
  const templates = options.templates ?? NO_TEMPLATES;
  const out: string[] = [`# Threat Report: ${event.date}: ${event.info}`, '', '', '## Key Intelligence', `* Date: ${event.date}`];
  out.push(`* Threat Level: ${event.threat_level_id} (${THREAT_LEVELS[event.threat_level_id]})`);
  if (event.tags.length > 0) out.push(`* Tags: ${event.tags.map((t) => t.name).join(', ')}`);
  out.push('', '---', '', '## Indicators of Compromise (IOCs)');

  const byCategory = new Map<string, Attribute[]>();
  for (const a of event.attributes) {
    if (a.deleted) continue;
    let list = byCategory.get(a.category);
    if (!list) byCategory.set(a.category, (list = []));
    list.push(a);
  }
  for (const [category, attributes] of byCategory) {
    out.push(`### ${category}`);
    for (const a of attributes) out.push(withComment(`* ${a.type}: ${shownValue(a, redact)}`, a.comment));
    out.push('');
  }

  const objects = event.objects.filter((o) => !o.deleted);
  if (objects.length > 0) {
    out.push('## Objects');
    for (const o of objects) {
      const description = o.description || templates(o.name) || '';
      out.push(description ? `### ${o.name} \u2014 ${description}` : `### ${o.name}`);
      for (const a of o.attributes) {
        if (!a.deleted) out.push(withComment(`* [${a.category}] ${a.type}: ${shownValue(a, redact)}`, a.comment));
      }
      out.push('');
    }
  }
  const reports = event.reports.filter((r) => !r.deleted);
  if (reports.length > 0) {
    out.push('## Event Reports');
    for (const r of reports) out.push(`### ${r.name}`, r.content.trim(), '');
  }
  const said = analystLines(event, redact);
  if (said.length > 0) out.push('## Analyst Notes', ...said, '');
  if (options.related) {
    out.push('## Related Events');
    if (options.related.length === 0) out.push('* none');
    for (const r of options.related) {
      out.push(`* ${r.date}: ${r.info} (${r.uuid}) \u2014 ${r.shared} shared value${r.shared === 1 ? '' : 's'}`);
    }
    out.push('');
  }
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}
