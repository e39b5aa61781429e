import { describe, expect, it } from 'vitest';

import { createValidationGate } from './validation-gate';

describe('createValidationGate', () => {
  it('runs maxConcurrent at once, queues maxQueued, and refuses the next with 503 BUSY and Retry-After', async () => {
    const gate = createValidationGate({ maxConcurrent: 1, maxQueued: 1 });
    let finish = () => {};
    const blocked = new Promise<void>((resolve) => (finish = resolve));
    const order: string[] = [];
    const first = gate.run(async () => {
      await blocked;
      order.push('first');
    });
    const second = gate.run(() => {
      order.push('second');
      return Promise.resolve();
    });
    let refused: unknown;
    try {
      await gate.run(() => Promise.resolve());
    } catch (error) {
      refused = error;
    }
    expect(refused).toMatchObject({ status: 503, errors: [{ code: 'BUSY' }], headers: { 'Retry-After': '5' } });
    finish();
    await Promise.all([first, second]);
    expect(order).toEqual(['first', 'second']);
    await expect(gate.run(() => Promise.resolve('free again'))).resolves.toBe('free again');
  });
});
