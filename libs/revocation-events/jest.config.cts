module.exports = {
  displayName: 'revocation-events',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/revocation-events',
};
