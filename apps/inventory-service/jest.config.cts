module.exports = {
  displayName: 'inventory-service',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/inventory-service',
};
