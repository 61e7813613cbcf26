// "Did you mean": the candidates nearest to a misspelt name, by edit distance (case- and underscore-insensitive,
// so snake_case finds camelCase), or that the name abbreviates ('approx' for 'approximate').

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

const fold = (s: string): string => s.toLowerCase().replace(/_/g, '');

/** Up to `max` candidates within a small edit distance of `name`, nearest first. */
export function closestNames(name: string, candidates: readonly string[], max = 3): string[] {
  const folded = fold(name);
  const same = candidates.filter((c) => fold(c) === folded);
  if (same.length > 0) return same.slice(0, max); // only the case or underscores differ: that's the one
  const limit = Math.max(2, Math.floor(name.length / 3));
  return candidates
    .map((c) => ({ c, d: folded.length >= 3 && fold(c).startsWith(folded) ? 1 : distance(folded, fold(c)) }))
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

/**
 * The keys of an options type, listed in full: `optionKeys<Conv2dOptions>()('stride', 'padding', ...)`
 * doesn't compile while a key of the type is missing from the list, so the runtime list can't drift.
 */
export const optionKeys = <T>() => <const K extends readonly (keyof T & string)[]>(
  ...keys: K & ([Exclude<keyof T, K[number]>] extends [never] ? unknown : { missing: Exclude<keyof T, K[number]> })
): readonly string[] => keys;

/**
 * Options objects from JavaScript are checked at run time: an unknown key (`{ weight_decay: 0.1 }` for
 * weightDecay) is a TypeError naming the closest known one, never silently ignored.
 */
export function checkOptions(owner: string, opts: unknown, known: readonly string[]): void {
  if (opts === undefined || opts === null) return;
  if (typeof opts !== 'object' || Array.isArray(opts)) {
    throw new TypeError(`${owner}: options must be an object ({ ${known.slice(0, 3).join(', ')}${known.length > 3 ? ', ...' : ''} }), got ${Array.isArray(opts) ? 'an array' : typeof opts}`);
  }
  // for...in, not Object.keys: no array per call (ops like add check their default {} on every call)
  for (const k in opts) {
    if (Object.hasOwn(opts, k) && !known.includes(k)) throw new TypeError(`${owner}: unknown option '${k}'${didYouMean(k, known)}; the options are ${known.join(', ')}`);
  }
}
