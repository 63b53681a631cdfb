import { parseNatsUrls } from './nats-urls';
import { connectNats } from './connect-nats';

describe('parseNatsUrls', () => {
  it('accepts one URL or a comma-separated list, trimming spaces', () => {
    expect(parseNatsUrls('nats://127.0.0.1:4222')).toEqual(['nats://127.0.0.1:4222']);
    expect(parseNatsUrls('nats://nats-0.nats:4222, nats://nats-1.nats:4222,tls://nats-2.nats:4222')).toEqual([
      'nats://nats-0.nats:4222',
      'nats://nats-1.nats:4222',
      'tls://nats-2.nats:4222',
    ]);
    expect(parseNatsUrls('nats://user:pw@host')).toEqual(['nats://user:pw@host']);
  });

  it.each(['', ' ', 'nats://a:4222,', ',nats://a:4222', 'http://a:4222', 'nats://', 'nats://a b:4222', 'nats://a:4222/x', 'a:4222', `${'nats://a:1,'.repeat(16)}nats://a:1`])(
    'refuses %p',
    (value) => {
      expect(parseNatsUrls(value)).toBeNull();
    },
  );

  it('makes connectNats refuse a bad list without echoing it', async () => {
    await expect(connectNats('nats://a:4222,http://secret@b', 'spec')).rejects.toMatchObject({ code: 'REQUEST_INVALID', message: expect.not.stringContaining('secret') });
  });
});
