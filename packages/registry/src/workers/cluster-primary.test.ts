// The primary's restart policy: a worker that lived long is replaced at once, one that keeps dying young waits
// longer each time (0.5 s doubling, at most 30 s), and a long life resets the count.
import { describe, expect, it } from 'vitest';

import { planRestart } from './cluster-primary';

describe('planRestart', () => {
  it('restarts at once after a long life, and backs off while deaths come young', () => {
    expect(planRestart(60_000, 0)).toEqual({ shortLives: 0, delay: 0 });
    let shortLives = 0;
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const plan = planRestart(200, shortLives);
      shortLives = plan.shortLives;
      delays.push(plan.delay);
    }
    expect(delays).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    expect(planRestart(10_000, shortLives)).toEqual({ shortLives: 0, delay: 0 });
  });
});
