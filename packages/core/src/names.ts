// "Did you mean": the candidates nearest to a misspelt name, by edit distance (case-insensitive).

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** Up to `max` candidates within a small edit distance of `name`, nearest first. */
export function closestNames(name: string, candidates: readonly string[], max = 3): string[] {
  const lower = name.toLowerCase();
  const limit = Math.max(2, Math.floor(name.length / 3));
  return candidates
    .map((c) => ({ c, d: distance(lower, c.toLowerCase()) }))
    .filter((e) => e.d <= limit)
    .sort((x, y) => x.d - y.d)
    .slice(0, max)
    .map((e) => e.c);
}

/** " (did you mean 'a' or 'b'?)", or '' when nothing is close. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const near = closestNames(name, candidates);
  if (near.length === 0) return '';
  return ` (did you mean ${near.map((n) => `'${n}'`).join(' or ')}?)`;
}
