module.exports = {
  displayName: 'gatehouse-e2e',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  testTimeout: 60_000,
  coverageDirectory: '../../coverage/apps/gatehouse-e2e',
};
