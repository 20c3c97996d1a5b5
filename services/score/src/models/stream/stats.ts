/**
 * Counts are not normal at low rates: two events a minute on average make eight in a minute a 4.2-sigma
 * "normal" z-score but a 1-in-900 Poisson event, which over a day is several false alarms. The detector
 * therefore reports, for counts above the expectation, the normal-equivalent z of the Poisson upper tail
 * P(X >= count | expected) (Anscombe's transform for large expectations), and never more than the plain
 * z with the observed variance, which is what holds for over-dispersed entities.
 */

const LN_FACT = [0];
for (let i = 1; i <= 170; i++) LN_FACT.push(LN_FACT[i - 1] + Math.log(i));

/** ln(n!) (Stirling's series beyond the table). */
export function lnFactorial(n: number): number {
  if (n <= 170) return LN_FACT[n];
  const x = n + 1;
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x ** 3);
}

/** P(X >= k) for X ~ Poisson(mu), summed from k upward (the terms shrink once k > mu). */
export function poissonUpperTail(k: number, mu: number): number {
  if (k <= 0) return 1;
  if (mu <= 0) return 0;
  const lnMu = Math.log(mu);
  let term = Math.exp(-mu + k * lnMu - lnFactorial(k));
  let sum = 0;
  for (let i = k; i < k + 1000; i++) {
    sum += term;
    term *= mu / (i + 1);
    if (term < sum * 1e-12) break;
  }
  return Math.min(1, sum);
}

/** z with P(Z >= z) = p for a standard normal Z (Acklam's rational approximation; asymptotic far out). */
export function normalQuantileUpper(p: number): number {
  if (p <= 0) return 40;
  if (p >= 1) return -40;
  if (p < 1e-300) {
    const l = -2 * Math.log(p);
    return Math.sqrt(l - Math.log(l) - Math.log(2 * Math.PI));
  }
  const q = 1 - p;
  // Acklam's coefficients for the inverse normal CDF at q.
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const r = Math.sqrt(-2 * Math.log(p));
    return -(((((c[0] * r + c[1]) * r + c[2]) * r + c[3]) * r + c[4]) * r + c[5]) / ((((d[0] * r + d[1]) * r + d[2]) * r + d[3]) * r + 1);
  }
  if (q < lo) {
    const r = Math.sqrt(-2 * Math.log(q));
    return (((((c[0] * r + c[1]) * r + c[2]) * r + c[3]) * r + c[4]) * r + c[5]) / ((((d[0] * r + d[1]) * r + d[2]) * r + d[3]) * r + 1);
  }
  const r = q - 0.5;
  const s = r * r;
  return ((((((a[0] * s + a[1]) * s + a[2]) * s + a[3]) * s + a[4]) * s + a[5]) * r) / (((((b[0] * s + b[1]) * s + b[2]) * s + b[3]) * s + b[4]) * s + 1);
}

/** Normal-equivalent z of a count against a Poisson expectation (upper side only; 0 at or below it). */
export function poissonZ(count: number, expected: number): number {
  if (count <= expected) return 0;
  const mu = Math.max(expected, 0.05);
  if (mu >= 50) return 2 * (Math.sqrt(count + 0.375) - Math.sqrt(mu + 0.375));
  return Math.max(0, normalQuantileUpper(poissonUpperTail(Math.ceil(count), mu)));
}

/** Anomaly z: the plain z-score, capped by the Poisson-tail z once it is high enough to matter. */
export function countZ(count: number, expected: number, sd: number): number {
  const plain = (count - expected) / sd;
  if (plain < 2) return plain;
  return Math.min(plain, poissonZ(count, expected));
}
