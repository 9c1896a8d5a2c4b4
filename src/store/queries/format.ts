/**
 * Lays out the SQL Kysely compiles (one line, lower-case keywords) so that a review reads it and a
 * change shows as the lines it touches: each clause on a line of its own with its body indented below,
 * one selected column a line, each `and`/`or` of a condition on its own line, and subqueries and
 * parenthesised conditions indented one step deeper. Everything else keeps Kysely's own spacing, so the
 * text says the same as the compiled query. Ours rather than a formatting library: the snapshots then
 * change only when a query does, never with a formatter's release.
 */

type Token = { text: string; spaceBefore: boolean };

/** Quoted strings and identifiers, words, parameters, and single characters for the rest. */
const TOKEN = /'(?:[^']|'')*'|"(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_]*|\$\d+|\d+|[<>!=|]=|<>|\|\||\S/y;

function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    let spaceBefore = false;
    while (i < sql.length && /\s/.test(sql[i]!)) {
      spaceBefore = true;
      i++;
    }
    if (i >= sql.length) break;
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(sql);
    if (!m) throw new Error(`cannot read the SQL at "${sql.slice(i, i + 20)}"`);
    tokens.push({ text: m[0], spaceBefore: spaceBefore && tokens.length > 0 });
    i += m[0].length;
  }
  return tokens;
}

const word = (t: Token | undefined) => t?.text.toLowerCase() ?? '';

/** Keywords that start a clause; two-word ones are matched with the word that follows. */
const CLAUSES = new Set(['select', 'from', 'where', 'group by', 'order by', 'having', 'limit', 'offset', 'union', 'union all', 'select distinct']);
const JOINS = new Set(['inner join', 'left join', 'right join', 'full join', 'cross join']);

/** The clause or join keyword at `i`, and how many tokens it takes. */
function keywordAt(tokens: readonly Token[], i: number): { kind: 'clause' | 'join'; text: string; length: number } | undefined {
  const two = `${word(tokens[i])} ${word(tokens[i + 1])}`;
  if (CLAUSES.has(two)) return { kind: 'clause', text: two, length: 2 };
  if (JOINS.has(two)) return { kind: 'join', text: two, length: 2 };
  if (CLAUSES.has(word(tokens[i]))) return { kind: 'clause', text: word(tokens[i]), length: 1 };
  return undefined;
}

/** Whether the parenthesis at `open` holds a subquery or a condition of several parts: those are laid out on lines. */
function isBlock(tokens: readonly Token[], open: number): boolean {
  let depth = 0;
  for (let i = open + 1; i < tokens.length; i++) {
    const t = tokens[i]!.text;
    if (t === '(') depth++;
    else if (t === ')') {
      if (depth === 0) return false;
      depth--;
    } else if (depth === 0 && ['select', 'and', 'or'].includes(t.toLowerCase())) return true;
  }
  return false;
}

interface Frame {
  block: boolean;
  /** Indent of the frame's clause keywords (a subquery) or of its conditions (a parenthesised condition). */
  base: number;
  /** Indent of what follows a line break inside the frame: a clause's body, or the conditions. */
  body: number;
  /** Indent of the line the parenthesis opened on, where it closes. */
  closeAt: number;
}

export function formatSql(sql: string): string {
  const tokens = tokenize(sql);
  const lines: string[] = [];
  let line = '';
  let indent = 0;
  const newline = (at: number) => {
    if (line.trim() !== '') lines.push(line.trimEnd());
    indent = at;
    line = '  '.repeat(at);
  };
  const emit = (text: string, spaceBefore: boolean) => {
    const fresh = line.trim() === '';
    line += (spaceBefore && !fresh ? ' ' : '') + text;
  };
  const stack: Frame[] = [{ block: true, base: 0, body: 1, closeAt: 0 }];
  for (let i = 0; i < tokens.length; i++) {
    const frame = stack[stack.length - 1]!;
    const t = tokens[i]!;
    const kw = frame.block ? keywordAt(tokens, i) : undefined;
    if (kw?.kind === 'clause') {
      newline(frame.base);
      emit(kw.text, true);
      frame.body = frame.base + 1;
      i += kw.length - 1;
      // `union` is followed by a select of its own, which breaks the line itself.
      if (!kw.text.startsWith('union')) newline(frame.body);
      continue;
    }
    if (kw?.kind === 'join') {
      newline(frame.body);
      emit(kw.text, true);
      i += kw.length - 1;
      continue;
    }
    if (frame.block && ['and', 'or'].includes(word(t))) {
      newline(frame.body);
      emit(t.text, true);
      continue;
    }
    if (t.text === '(') {
      emit(t.text, t.spaceBefore);
      if (isBlock(tokens, i)) {
        const base = indent + 1;
        stack.push({ block: true, base, body: base, closeAt: indent });
        newline(base);
      } else {
        stack.push({ block: false, base: indent, body: indent, closeAt: indent });
      }
      continue;
    }
    if (t.text === ')') {
      const closed = stack.length > 1 ? stack.pop()! : frame;
      if (closed.block) newline(closed.closeAt);
      emit(t.text, closed.block ? false : t.spaceBefore);
      continue;
    }
    if (t.text === ',' && frame.block) {
      emit(t.text, t.spaceBefore);
      newline(frame.body);
      continue;
    }
    emit(t.text, t.spaceBefore);
  }
  newline(0);
  return lines.join('\n');
}
