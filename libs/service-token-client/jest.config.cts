module.exports = {
  displayName: 'service-token-client',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/service-token-client',
};
