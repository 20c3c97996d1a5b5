import { bucketDelta, histogramBuckets, histogramQuantile, parsePrometheusText, sumBy } from './prometheus';

const text = `# HELP sluice_record_age_seconds Age.
# TYPE sluice_record_age_seconds histogram
sluice_record_age_seconds_bucket{le="0.01",stage="enrich"} 10
sluice_record_age_seconds_bucket{le="0.1",stage="enrich"} 90
sluice_record_age_seconds_bucket{le="1",stage="enrich"} 100
sluice_record_age_seconds_bucket{le="+Inf",stage="enrich"} 100
sluice_record_age_seconds_sum{stage="enrich"} 4.2
sluice_record_age_seconds_count{stage="enrich"} 100
sluice_records_dead_lettered_total{stage="enrich",topic="t",error_type="decode"} 3
sluice_records_dead_lettered_total{stage="enrich",topic="t",error_type="validation"} 2
odd_label{path="a \\"quoted\\" value, with comma"} 1
`;

describe('prometheus text', () => {
  test('samples with labels, escapes and +Inf', () => {
    const samples = parsePrometheusText(text);
    expect(samples.find((s) => s.name === 'odd_label')?.labels.path).toBe('a "quoted" value, with comma');
    expect(samples.filter((s) => s.name === 'sluice_record_age_seconds_bucket')).toHaveLength(4);
    expect(sumBy(samples, 'sluice_records_dead_lettered_total', 'stage').get('enrich')).toBe(5);
  });

  test('quantiles interpolate within buckets as histogram_quantile does', () => {
    const buckets = histogramBuckets(parsePrometheusText(text), 'sluice_record_age_seconds', 'stage').get('enrich')!;
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.01 + 0.09 * (40 / 80));
    expect(histogramQuantile(0.99, buckets)).toBeCloseTo(0.1 + 0.9 * (9 / 10));
    expect(histogramQuantile(0.5, [])).toBeNull();
    expect(histogramQuantile(0.5, [{ le: 1, count: 0 }, { le: Infinity, count: 0 }])).toBeNull();
  });

  test('the delta between scrapes keeps only the newer observations', () => {
    const before = [{ le: 0.1, count: 5 }, { le: Infinity, count: 5 }];
    const after = [{ le: 0.1, count: 5 }, { le: Infinity, count: 7 }];
    expect(bucketDelta(before, after)).toEqual([{ le: 0.1, count: 0 }, { le: Infinity, count: 2 }]);
    // A restarted target (counter reset) gives its new figures alone.
    expect(bucketDelta(after, before)).toEqual(before);
  });
});
