import { judgeStep } from './e2e';
import { summarize } from './stats';

describe('capacity step judgement', () => {
  const kept = {
    rate: 3000,
    acceptedPerSec: 2998,
    accepted: 89_940,
    persisted: 89_940,
    persistedMs: summarize([800, 1200, 1500, 2100]),
    alertMs: summarize([210, 260, 340]),
    alertsMissing: 0,
    peakRssMB: { persist: 180, score: 170 },
    maxLag: { records: 2400, seconds: 1.6 },
    furthestBehind: 'persist',
    drainSeconds: 2.5,
  };

  it('counts a step the whole pipeline kept up with', () => {
    expect(judgeStep(kept)).toEqual({ ok: true });
  });

  it('names every way a step fell behind', () => {
    expect(
      judgeStep({ ...kept, acceptedPerSec: 2500, persisted: 89_000, persistedMs: summarize([4000, 19_000]), maxLag: { records: 90_000, seconds: 19 }, drainSeconds: null }),
    ).toEqual({
      ok: false,
      reason: 'ingest accepted 2500/s, 940 of 89940 accepted not persisted, ingest → persisted p99 19 s, persist 19 s behind, did not drain',
    });
  });

  it('refuses a step whose backlog took longer than 10 s to drain, even with every event persisted', () => {
    expect(judgeStep({ ...kept, drainSeconds: 14 })).toEqual({ ok: false, reason: 'drained in 14 s' });
  });

  it('refuses a step whose events took more than 10 s to reach PostgreSQL', () => {
    expect(judgeStep({ ...kept, persistedMs: summarize([900, 10_500]) }).ok).toBe(false);
    expect(judgeStep({ ...kept, persistedMs: summarize([900, 9_500]) }).ok).toBe(true);
  });
});
