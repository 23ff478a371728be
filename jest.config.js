// Two tiers (STYLE.md §9): *.spec.ts are pure unit tests, *.int-spec.ts run against real Spark + Iceberg
// (and later Kafka, the registry and the catalog) and run in band: one Spark runner per test file.
const LIBS = [
  'common',
  'expression',
  'config',
  'domain',
  'compiler',
  'runner-client',
  'lease',
  'ingest',
  'engine',
  'table-ops',
  'testing',
  'hostile-corpus',
  'contracts',
  'launcher',
  'lifecycle',
  'service-kit',
  'stack',
];
const moduleNameMapper = { [`^@app/(${LIBS.join('|')})$`]: '<rootDir>/libs/$1/src' };
// Transpile only (tsconfig.jest.json: isolatedModules): the test command type-checks the whole tree once with
// `tsc --noEmit`, so ts-jest checking every test file's import graph again only cost minutes.
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }] };
const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  moduleNameMapper,
  transform,
  moduleFileExtensions: ['ts', 'js', 'json'],
};

module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/{apps,libs}/**/*.spec.ts',
        '<rootDir>/bench/**/*.spec.ts',
        '<rootDir>/deploy/**/*.spec.ts',
        '<rootDir>/e2e/**/*.spec.ts',
      ],
    },
    // e2e/cluster/ needs the cluster topology (stack.sh up --cluster): its own project, run by npm run e2e:cluster.
    {
      ...common,
      displayName: 'int',
      testMatch: ['<rootDir>/{apps,libs,e2e}/**/*.int-spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/e2e/cluster/'],
      setupFilesAfterEnv: ['<rootDir>/jest.int-setup.js'],
      slowTestThreshold: 60,
    },
    {
      ...common,
      displayName: 'cluster',
      testMatch: ['<rootDir>/e2e/cluster/**/*.int-spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/jest.int-setup.js'],
      slowTestThreshold: 60,
    },
  ],
};
