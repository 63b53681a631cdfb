module.exports = {
  displayName: 'auth-verify',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/auth-verify',
};
