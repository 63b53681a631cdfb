module.exports = {
  displayName: 'bench',
  preset: '../jest.preset.js',
  rootDir: __dirname,
  testTimeout: 90_000,
  coverageDirectory: '../coverage/bench',
};
