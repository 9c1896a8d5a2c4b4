/**
 * The STIX 2.1 patterning language (STIX 2.1 part 9): a tokenizer and a recursive-descent parser of
 * its grammar into a tree, used to check the patterns Cairn writes and to read the ones it imports.
 * A pattern that does not parse is an error naming the position and what was expected there.
 */

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'timestamp'; value: string }
  | { kind: 'hex'; value: string }
  | { kind: 'binary'; value: string }
  | { kind: 'set'; values: Literal[] };

export interface ObjectPath {
  objectType: string;
  /** Property names and list indexes (`*` for any), in order. */
  steps: Array<string | number>;
}

export type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'IN' | 'LIKE' | 'MATCHES' | 'ISSUBSET' | 'ISSUPERSET';

export type Comparison =
  | { kind: 'test'; path: ObjectPath; op: ComparisonOperator; negated: boolean; value: Literal }
  | { kind: 'exists'; path: ObjectPath }
  | { kind: 'and' | 'or'; parts: Comparison[] };

export type Qualifier =
  | { kind: 'start-stop'; start: string; stop: string }
  | { kind: 'within'; seconds: number }
  | { kind: 'repeats'; times: number };

export type Observation =
  | { kind: 'observation'; comparison: Comparison; qualifiers: Qualifier[] }
  | { kind: 'and' | 'or' | 'followedby'; parts: Observation[]; qualifiers: Qualifier[] };

export class PatternError extends Error {}

type Token = { type: 'punct' | 'op' | 'word' | 'string' | 'number' | 'typed'; text: string; at: number; prefix?: string };

const TIMESTAMP = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?Z$/;
const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'FOLLOWEDBY', 'LIKE', 'MATCHES', 'ISSUPERSET', 'ISSUBSET', 'EXISTS', 'IN', 'START', 'STOP', 'WITHIN', 'REPEATS', 'TIMES', 'SECONDS']);

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new PatternError(`at ${i}: ${why}`);
  };
  const quoted = (start: number): string => {
    let value = '';
    let j = start + 1;
    for (;;) {
      if (j >= text.length) fail('a string is not closed');
      const c = text[j]!;
      if (c === '\\') {
        const next = text[j + 1];
        if (next !== '\\' && next !== "'") fail(`only \\\\ and \\' may be escaped in a string, not \\${next ?? ''}`);
        value += next;
        j += 2;
      } else if (c === "'") {
        i = j + 1;
        return value;
      } else {
        value += c;
        j++;
      }
    }
  };
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    if ('[]():,.*'.includes(c)) {
      out.push({ type: 'punct', text: c, at });
      i++;
    } else if (c === "'") {
      out.push({ type: 'string', text: quoted(i), at });
    } else if (/[thb]/.test(c) && text[i + 1] === "'") {
      i++;
      out.push({ type: 'typed', prefix: c, text: quoted(i), at });
    } else if (/[!<>=]/.test(c)) {
      const two = text.slice(i, i + 2);
      const op = ['!=', '<=', '>=', '<>'].includes(two) ? two : c;
      if (op === '!') fail('"!" must be followed by "="');
      out.push({ type: 'op', text: op === '<>' ? '!=' : op, at });
      i += op.length;
    } else if (/[-+\d]/.test(c)) {
      const m = /^[-+]?(\d+(\.\d+)?|\.\d+)([eE][-+]?\d+)?/.exec(text.slice(i));
      if (!m) fail(`unexpected "${c}"`);
      out.push({ type: 'number', text: m![0], at });
      i += m![0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(text.slice(i))!;
      out.push({ type: 'word', text: m[0], at });
      i += m[0].length;
    } else {
      fail(`unexpected "${c}"`);
    }
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[], private readonly length: number) {}

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }
  private fail(expected: string): never {
    const t = this.peek();
    throw new PatternError(t ? `at ${t.at}: expected ${expected}, found "${t.text}"` : `at ${this.length}: expected ${expected}, found the end`);
  }
  private isWord(word: string): boolean {
    const t = this.peek();
    return t?.type === 'word' && t.text === word;
  }
  private isPunct(p: string): boolean {
    const t = this.peek();
    return t?.type === 'punct' && t.text === p;
  }
  private expectPunct(p: string): void {
    if (!this.isPunct(p)) this.fail(`"${p}"`);
    this.i++;
  }
  private expectWord(word: string): void {
    if (!this.isWord(word)) this.fail(word);
    this.i++;
  }

  pattern(): Observation {
    const o = this.observations();
    if (this.peek()) this.fail('the end of the pattern');
    return o;
  }

  private joined<T>(word: string, next: () => T, make: (parts: T[]) => T): T {
    const parts = [next()];
    while (this.isWord(word)) {
      this.i++;
      parts.push(next());
    }
    return parts.length === 1 ? parts[0]! : make(parts);
  }

  private observations(): Observation {
    return this.joined('FOLLOWEDBY', () => this.observationOr(), (parts) => ({ kind: 'followedby', parts, qualifiers: [] }));
  }
  private observationOr(): Observation {
    return this.joined('OR', () => this.observationAnd(), (parts) => ({ kind: 'or', parts, qualifiers: [] }));
  }
  private observationAnd(): Observation {
    return this.joined('AND', () => this.observation(), (parts) => ({ kind: 'and', parts, qualifiers: [] }));
  }
  private observation(): Observation {
    if (this.isPunct('[')) {
      this.i++;
      const comparison = this.comparisonOr();
      this.expectPunct(']');
      checkSameType(comparison);
      return { kind: 'observation', comparison, qualifiers: this.qualifiers() };
    }
    if (this.isPunct('(')) {
      this.i++;
      const inner = this.observations();
      this.expectPunct(')');
      return { ...inner, qualifiers: [...inner.qualifiers, ...this.qualifiers()] };
    }
    return this.fail('"[" or "("');
  }

  private qualifiers(): Qualifier[] {
    const out: Qualifier[] = [];
    for (;;) {
      if (this.isWord('START')) {
        this.i++;
        const start = this.timestamp();
        this.expectWord('STOP');
        out.push({ kind: 'start-stop', start, stop: this.timestamp() });
      } else if (this.isWord('WITHIN')) {
        this.i++;
        const seconds = this.number(false);
        this.expectWord('SECONDS');
        out.push({ kind: 'within', seconds });
      } else if (this.isWord('REPEATS')) {
        this.i++;
        const times = this.number(true);
        this.expectWord('TIMES');
        out.push({ kind: 'repeats', times });
      } else {
        return out;
      }
    }
  }
  private timestamp(): string {
    const t = this.peek();
    if (t?.type !== 'typed' || t.prefix !== 't' || !TIMESTAMP.test(t.text)) this.fail("a timestamp t'YYYY-MM-DDTHH:MM:SSZ'");
    this.i++;
    return t.text;
  }
  private number(integer: boolean): number {
    const t = this.peek();
    const n = t?.type === 'number' ? Number(t.text) : NaN;
    if (!(n > 0) || (integer && !Number.isInteger(n))) this.fail(integer ? 'a positive whole number' : 'a positive number');
    this.i++;
    return n;
  }

  private comparisonOr(): Comparison {
    return this.joined('OR', () => this.comparisonAnd(), (parts) => ({ kind: 'or', parts }));
  }
  private comparisonAnd(): Comparison {
    return this.joined('AND', () => this.propertyTest(), (parts) => ({ kind: 'and', parts }));
  }
  private propertyTest(): Comparison {
    if (this.isPunct('(')) {
      this.i++;
      const inner = this.comparisonOr();
      this.expectPunct(')');
      return inner;
    }
    if (this.isWord('EXISTS')) {
      this.i++;
      return { kind: 'exists', path: this.objectPath() };
    }
    const path = this.objectPath();
    const negated = this.isWord('NOT');
    if (negated) this.i++;
    const t = this.peek();
    if (t?.type === 'op') {
      this.i++;
      return { kind: 'test', path, op: t.text as ComparisonOperator, negated, value: this.literal() };
    }
    if (t?.type === 'word' && ['IN', 'LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET'].includes(t.text)) {
      this.i++;
      const op = t.text as ComparisonOperator;
      const value = op === 'IN' ? this.set() : this.literal();
      if (op !== 'IN' && value.kind !== 'string') throw new PatternError(`at ${t.at}: ${op} takes a string`);
      return { kind: 'test', path, op, negated, value };
    }
    return this.fail('a comparison operator');
  }
  private set(): Literal {
    this.expectPunct('(');
    const values = [this.literal()];
    while (this.isPunct(',')) {
      this.i++;
      values.push(this.literal());
    }
    this.expectPunct(')');
    return { kind: 'set', values };
  }
  private literal(): Literal {
    const t = this.peek();
    if (!t) return this.fail('a value');
    if (t.type === 'string') {
      this.i++;
      return { kind: 'string', value: t.text };
    }
    if (t.type === 'number') {
      this.i++;
      return /^[-+]?\d+$/.test(t.text) ? { kind: 'int', value: Number(t.text) } : { kind: 'float', value: Number(t.text) };
    }
    if (t.type === 'word' && (t.text === 'true' || t.text === 'false')) {
      this.i++;
      return { kind: 'bool', value: t.text === 'true' };
    }
    if (t.type === 'typed') {
      this.i++;
      if (t.prefix === 't') {
        if (!TIMESTAMP.test(t.text)) throw new PatternError(`at ${t.at}: "${t.text}" is not a timestamp`);
        return { kind: 'timestamp', value: t.text };
      }
      if (t.prefix === 'h') {
        if (!/^([0-9a-fA-F]{2})*$/.test(t.text)) throw new PatternError(`at ${t.at}: "${t.text}" is not hex`);
        return { kind: 'hex', value: t.text };
      }
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t.text) || t.text.length % 4 !== 0) throw new PatternError(`at ${t.at}: "${t.text}" is not base64`);
      return { kind: 'binary', value: t.text };
    }
    return this.fail('a value');
  }

  private objectPath(): ObjectPath {
    const t = this.peek();
    if (t?.type !== 'word' || KEYWORDS.has(t.text) || !/^[a-z0-9][a-z0-9-]*[a-z0-9]$/.test(t.text)) this.fail('an object type such as file or domain-name');
    this.i++;
    this.expectPunct(':');
    const steps: Array<string | number> = [this.pathPart()];
    for (;;) {
      if (this.isPunct('.')) {
        this.i++;
        steps.push(this.pathPart());
      } else if (this.isPunct('[')) {
        this.i++;
        const idx = this.peek();
        if (idx?.type === 'punct' && idx.text === '*') steps.push('*');
        else if (idx?.type === 'number' && /^\d+$/.test(idx.text)) steps.push(Number(idx.text));
        else this.fail('a list index or *');
        this.i++;
        this.expectPunct(']');
      } else {
        return { objectType: t!.text, steps };
      }
    }
  }
  private pathPart(): string {
    const t = this.peek();
    if (t?.type === 'word' || t?.type === 'string') {
      this.i++;
      return t.text;
    }
    return this.fail('a property name');
  }
}

function typesOf(c: Comparison): string[] {
  return c.kind === 'test' || c.kind === 'exists' ? [c.path.objectType] : c.parts.flatMap(typesOf);
}

/** STIX 2.1 9.4: comparisons joined by AND in one observation are about one object, hence one type. */
function checkSameType(c: Comparison): void {
  if (c.kind === 'and') {
    const types = new Set(typesOf(c));
    if (types.size > 1) throw new PatternError(`comparisons joined by AND in one observation must share one object type, not ${[...types].join(' and ')}`);
  }
  if (c.kind === 'and' || c.kind === 'or') c.parts.forEach(checkSameType);
}

export function parsePattern(text: string): Observation {
  return new Parser(tokenize(text), text.length).pattern();
}

/** Quotes a value as a pattern string literal. */
export function patternString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
