import { StreamTrust } from './stream-trust';

const cp = (fromSeq: number, lastSeq = fromSeq) => ({ v: 1 as const, fromSeq, lastSeq, at: Math.floor(Date.now() / 1000) });

describe('StreamTrust', () => {
  it('is untrusted until a checkpoint verifies what was replayed without a hole from fromSeq on', () => {
    const t = new StreamTrust(true);
    expect(t.trusted).toBe(false);
    for (const seq of [5, 6, 7]) t.see(seq);
    t.see(8);
    expect(t.verify(8, cp(6, 7))).toBe(true);
    expect(t.trusted).toBe(true);
  });

  it('a replay that starts after fromSeq (purged) or has a hole after it (deleted) does not verify', () => {
    const purged = new StreamTrust(true);
    purged.see(21);
    expect(purged.verify(21, cp(5, 20))).toBe(false);
    expect(purged.trusted).toBe(false);

    const holed = new StreamTrust(true);
    for (const seq of [1, 2, 4]) holed.see(seq);
    holed.see(5);
    expect(holed.verify(5, cp(2, 4))).toBe(false);
    // A hole before fromSeq is harmless: what is needed starts after it.
    expect(holed.verify(5, cp(4, 4))).toBe(true);
  });

  it('a live hole, a reset or a purge seen by a probe withdraws trust', () => {
    const t = new StreamTrust(true);
    for (const seq of [1, 2, 3]) t.see(seq);
    expect(t.verify(3, cp(2, 2))).toBe(true);
    expect(t.observe({ first_seq: 1, last_seq: 3 }, false, 3)).toBe('intact');
    expect(t.observe({ first_seq: 4, last_seq: 3 }, false, 3)).toBe('lost');
    expect(t.observe({ first_seq: 0, last_seq: 0 }, false, 3)).toBe('reset');
    expect(t.observe({ first_seq: 1, last_seq: 3 }, true, 3)).toBe('reset');
    t.see(7);
    expect(t.trusted).toBe(false);
  });

  it('a stream behind what was delivered only after the probe asked is no reset', () => {
    const t = new StreamTrust(true);
    for (const seq of [1, 2, 3]) t.see(seq);
    expect(t.verify(3, cp(2, 2))).toBe(true);
    // The probe asked when 3 was the last delivered; 4 and 5 arrived before its answer (last_seq 3).
    t.see(4);
    t.see(5);
    expect(t.observe({ first_seq: 1, last_seq: 3 }, false, 3)).toBe('intact');
    expect(t.observe({ first_seq: 1, last_seq: 2 }, false, 3)).toBe('reset');
    expect(t.trusted).toBe(true);
  });

  it('without requireCheckpoint it is always trusted', () => {
    const t = new StreamTrust(false);
    t.see(10);
    expect(t.verify(10, cp(3))).toBe(false);
    expect(t.trusted).toBe(true);
  });
});
