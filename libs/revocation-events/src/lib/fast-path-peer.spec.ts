import { startNatsServer, type TestNatsServer } from '@gatehouse/testing';
import type { NatsConnection } from 'nats';
import { connectNats } from './connect-nats';
import { connectFastPathPeer } from './fast-path-peer';

describe('connectFastPathPeer (private nats-servers)', () => {
  let a: TestNatsServer;
  let b: TestNatsServer;
  let primary: NatsConnection;

  beforeAll(async () => {
    [a, b] = await Promise.all([startNatsServer(), startNatsServer()]);
    primary = await connectNats(a.url, 'fast-path-peer-spec');
  });

  afterAll(async () => {
    await primary.close();
    await Promise.all([a.dispose(), b.dispose()]);
  });

  it('connects to a seed other than the primary’s node', async () => {
    const peer = await connectFastPathPeer(`${a.url},${b.url}`, 'peer-spec', primary);
    try {
      expect(peer).not.toBeNull();
      expect(primary.getServer()).toBe(`127.0.0.1:${a.port}`);
      expect(peer!.nc.getServer()).toBe(`127.0.0.1:${b.port}`);
    } finally {
      await peer?.close();
    }
    expect(peer!.nc.isClosed()).toBe(true);
  });

  it('is not opened for a single server', async () => {
    expect(await connectFastPathPeer(a.url, 'peer-spec', primary)).toBeNull();
  });
});
