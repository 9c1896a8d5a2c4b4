/**
 * The lines that differ between two texts, `-` as expected and `+` as found, with two lines of context
 * around each change (a longest-common-subsequence diff: snapshots are small).
 */
export function lineDiff(expected: string, actual: string): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  const common = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      common[i]![j] = a[i] === b[j] ? common[i + 1]![j + 1]! + 1 : Math.max(common[i + 1]![j]!, common[i]![j + 1]!);
    }
  }
  const ops: Array<{ mark: ' ' | '-' | '+'; line: string }> = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push({ mark: ' ', line: a[i++]! });
      j++;
    } else if (i < a.length && (j >= b.length || common[i + 1]![j]! >= common[i]![j + 1]!)) ops.push({ mark: '-', line: a[i++]! });
    else ops.push({ mark: '+', line: b[j++]! });
  }
  const near = (k: number) => ops.slice(Math.max(0, k - 2), k + 3).some((o) => o.mark !== ' ');
  const out: string[] = [];
  ops.forEach((o, k) => {
    if (near(k)) out.push(`${o.mark} ${o.line}`);
    else if (out.at(-1) !== '  …') out.push('  …');
  });
  return out.join('\n');
}
