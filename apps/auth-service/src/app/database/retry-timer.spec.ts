import { RetryTimer } from './retry-timer';

describe('RetryTimer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('doubles the delay up to its cap, keeps one attempt pending, starts over after a success, and cancels', () => {
    let attempts = 0;
    const retry = new RetryTimer(100, 350, () => attempts++);
    expect(retry.schedule()).toBe(100);
    expect(retry.schedule()).toBe(0); // one pending already
    jest.advanceTimersByTime(99);
    expect(attempts).toBe(0);
    jest.advanceTimersByTime(1);
    expect(attempts).toBe(1);
    expect(retry.schedule()).toBe(200);
    jest.advanceTimersByTime(200);
    expect(attempts).toBe(2);
    expect(retry.schedule()).toBe(350); // 400, capped
    jest.advanceTimersByTime(350);
    expect(attempts).toBe(3);
    expect(retry.schedule()).toBe(350);
    retry.cancel();
    jest.advanceTimersByTime(1000);
    expect(attempts).toBe(3);
    retry.succeeded();
    expect(retry.schedule()).toBe(100);
    jest.advanceTimersByTime(100);
    expect(attempts).toBe(4);
  });
});
