// Exact ROC-AUC for multi-label evaluation (ChestX-ray14's mean AUC).

/**
 * ROC-AUC of scores against 0/1 targets: the Mann–Whitney U statistic, with tied scores given their average
 * rank (so a positive and a negative with the same score count one half). null when only one class is present.
 */
export function rocAuc(scores: ArrayLike<number>, targets: ArrayLike<number>): number | null {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let pos = 0, rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const avgRank = (i + j) / 2 + 1; // ranks are 1-based
    for (let k = i; k <= j; k++) if (targets[order[k]!]! > 0.5) { pos++; rankSum += avgRank; }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return null;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** ROC-AUC of each of k labels from row-major [N, k] scores and targets. */
export function perLabelAuc(scores: Float32Array, targets: Float32Array, k: number): (number | null)[] {
  const n = k ? scores.length / k : 0;
  return Array.from({ length: k }, (_, c) => {
    const s = new Float32Array(n), t = new Float32Array(n);
    for (let i = 0; i < n; i++) { s[i] = scores[i * k + c]!; t[i] = targets[i * k + c]!; }
    return rocAuc(s, t);
  });
}

/** The mean of the defined values; null when there are none. */
export function meanDefined(values: readonly (number | null)[]): number | null {
  const d = values.filter((x): x is number => x !== null);
  return d.length ? d.reduce((a, b) => a + b, 0) / d.length : null;
}
