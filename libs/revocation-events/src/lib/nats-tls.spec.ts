import { createTestCertificates, startNatsServer, type TestCertificates, type TestNatsServer } from '@gatehouse/testing';
import { connectNats } from './connect-nats';
import { ensureEventStream } from './event-stream';

/** TLS to NATS as the prod overlay runs it: tls:// URLs, the server verified against the bus CA. */
describe('NATS over TLS with the shipped permissions', () => {
  let certs: TestCertificates;
  let other: TestCertificates;
  let nats: TestNatsServer;
  let url: string;
  const auth = () => ({ user: 'auth-service', password: nats.credentials['auth-service']?.password });

  beforeAll(async () => {
    certs = createTestCertificates();
    other = createTestCertificates();
    nats = await startNatsServer({ shippedConfig: true, tls: certs });
    url = `tls://127.0.0.1:${nats.port}`;
  });
  afterAll(async () => {
    await nats.dispose();
    certs.dispose();
    other.dispose();
  });

  it('connects with the CA that signed the server certificate, and works', async () => {
    const nc = await connectNats(url, 'tls-spec', { ...auth(), tlsCaFile: certs.caFile });
    try {
      const info = await ensureEventStream(await nc.jetstreamManager());
      expect(info.config.name).toBe('GATEHOUSE_EVENTS');
      expect(nc.info?.tls_required).toBe(true);
    } finally {
      await nc.close();
    }
  });

  it('refuses a server whose certificate another CA signed, or that the system does not trust', async () => {
    const certificateError = /certificate|self[- ]signed|unable to verify/i;
    await expect(connectNats(url, 'tls-spec', { ...auth(), tlsCaFile: other.caFile })).rejects.toThrow(certificateError);
    await expect(connectNats(url, 'tls-spec', auth())).rejects.toThrow(certificateError);
  });
});
