const nxPreset = require('@nx/jest/preset').default;

/** Shared jest preset: @swc/jest with decorator metadata (Nest DI needs it); type-checking runs separately (`typecheck` target). */
module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  // Hooks start real services (Postgres migrations, NATS, key generation); on a loaded 2-core
  // machine that can take longer than jest's 5 s default without anything being wrong.
  testTimeout: 20_000,
  transform: {
    '^.+\\.[tj]s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  // jose, openid-client and oauth4webapi are ESM-only; let swc transform them for jest.
  transformIgnorePatterns: ['/node_modules/(?!(jose|openid-client|oauth4webapi)/)'],
  moduleFileExtensions: ['ts', 'js'],
};
