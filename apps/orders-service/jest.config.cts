module.exports = {
  displayName: 'orders-service',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/orders-service',
};
