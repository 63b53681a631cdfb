module.exports = {
  displayName: 'resource-service',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/resource-service',
};
