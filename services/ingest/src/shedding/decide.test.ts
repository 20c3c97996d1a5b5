import type { GroupLag } from '@sluice/runtime';
import { decide, retryAfterSeconds, type ShedBounds } from './decide';

const bounds: ShedBounds = { maxLagRecords: 1000, maxLagSeconds: 60, resumeRatio: 0.8, retryAfterMinSeconds: 1, retryAfterMaxSeconds: 120 };

function lag(group: string, totalRecords: number, maxSeconds: number, drainRate: number): GroupLag {
  return { group, partitions: [{ topic: 'sluice.events.raw.v1', partition: 0, committed: 0, high: totalRecords, lagRecords: totalRecords, lagSeconds: maxSeconds }], totalRecords, maxSeconds, drainRate, sampledAt: 0 };
}

describe('shedding decision', () => {
  test('starts when a group passes the records bound, saying which group and how far behind', () => {
    const s = decide([lag('sluice.enrich', 500, 1, 100), lag('sluice.score', 1500, 2, 100)], bounds, false);
    expect(s).toMatchObject({ group: 'sluice.score', lagRecords: 1500, retryAfterSeconds: 7 }); // (1500 - 800) / 100 = 7 s
    expect(s!.reason).toContain('consumer group sluice.score is 1,500 records and 2 s behind on sluice.events.raw.v1');
  });

  test('starts when a group passes the seconds bound', () => {
    const s = decide([lag('g', 100, 90, 10)], bounds, false);
    // 90 s behind, resume at 48 s: about (1 - 48/90) of 100 records to drain at 10/s.
    expect(s).toMatchObject({ group: 'g', retryAfterSeconds: 5 });
  });

  test('hysteresis: keeps shedding between the resume level and the bound, stops below it', () => {
    expect(decide([lag('g', 900, 1, 100)], bounds, false)).toBeNull();
    expect(decide([lag('g', 900, 1, 100)], bounds, true)).not.toBeNull();
    expect(decide([lag('g', 800, 1, 100)], bounds, true)).toBeNull();
  });

  test('a stalled group gives the longest Retry-After; a fast one at least a second', () => {
    expect(retryAfterSeconds(lag('g', 5000, 1, 0), bounds)).toBe(120);
    expect(retryAfterSeconds(lag('g', 1001, 1, 1_000_000), bounds)).toBe(1);
  });
});
