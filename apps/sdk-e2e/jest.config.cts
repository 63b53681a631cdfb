module.exports = {
  displayName: 'sdk-e2e',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  testTimeout: 120_000,
  coverageDirectory: '../../coverage/apps/sdk-e2e',
};
