module.exports = {
  displayName: 'service-runtime',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/service-runtime',
};
