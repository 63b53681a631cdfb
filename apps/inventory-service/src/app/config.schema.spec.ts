import { loadConfig } from './config.schema';

describe('inventory-service RESERVATION_ACTORS', () => {
  it('defaults to orders-service and takes a comma-separated list of client ids', () => {
    expect(loadConfig({}).RESERVATION_ACTORS).toEqual(['orders-service']);
    expect(loadConfig({ RESERVATION_ACTORS: 'orders-service, checkout-svc' }).RESERVATION_ACTORS).toEqual(['orders-service', 'checkout-svc']);
  });

  it('refuses something that is not a client id, naming only the variable', () => {
    for (const bad of [',', 'Orders Service', '3f6c1b9e']) expect(() => loadConfig({ RESERVATION_ACTORS: bad })).toThrow(/RESERVATION_ACTORS/);
  });
});
