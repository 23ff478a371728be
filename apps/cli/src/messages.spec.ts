import { describeCatalog, npxPathRefusal, unknownCommandMessage, validationReport } from './messages';

const COMMANDS = [
  'init',
  'ingest',
  'run',
  'export',
  'validate',
  'repair',
  'plan',
  'events',
  'sample',
  'stats',
  'optimize',
  'load',
];

describe('unknownCommandMessage', () => {
  it.each([
    ['valdate', "did you mean 'validate'?"],
    ['ingets', "did you mean 'ingest'?"],
    ['optim', "did you mean 'optimize'?"],
    ['Stats', "did you mean 'stats'?"],
  ])('%s → %s', (typed, hint) => {
    expect(unknownCommandMessage(typed, COMMANDS).split('\n')[0]).toBe(`unknown command '${typed}'; ${hint}`);
  });

  it('suggests nothing far off, and lists the commands', () => {
    const [first, second] = unknownCommandMessage('frobnicate', COMMANDS).split('\n');
    expect(first).toBe("unknown command 'frobnicate'");
    expect(second).toBe(`expected one of: ${COMMANDS.join(', ')} (summary-pipeline --help describes them)`);
  });
});

describe('validationReport', () => {
  it('says what each check found and ends with a verdict', () => {
    expect(
      validationReport([
        { check: 'duplicate (key, month) in summary', count: 0, sample: [] },
        { check: 'duplicate key in latest', count: 2, sample: [{ k: 1, n: 2 }] },
      ]),
    ).toEqual([
      'validate: ok    duplicate (key, month) in summary: none found',
      'validate: FAIL  duplicate key in latest: 2 found (e.g. [{"k":1,"n":2}])',
      'validate: 1 of 2 checks failed',
    ]);
  });
});

describe('describeCatalog', () => {
  it('names the warehouse only for the hadoop catalog', () => {
    expect(describeCatalog('hadoop', '/data/wh', undefined)).toBe('hadoop catalog, warehouse /data/wh');
    expect(describeCatalog('rest', '/data/wh', 'http://127.0.0.1:8181')).toBe('rest catalog at http://127.0.0.1:8181');
  });
});

describe('npxPathRefusal', () => {
  const npx = { npm_command: 'exec', npm_lifecycle_script: "'summary-pipeline'" };

  it.each([
    [['ingest', 'g1.jsonl'], 'ingest'],
    [['--config', 'c.json', 'load', 'f.jsonl', '--chunks', '2'], '--config'],
    [['export', 'summary', '--out=s.jsonl'], '--out'],
    [['--wait', '60', '--warehouse', 'w', 'run'], '--warehouse'],
  ])('refuses %j through npx, naming %s', (args, what) => {
    expect(npxPathRefusal(args, npx)).toMatch(
      new RegExp(
        `^run through npx, .* the path given to ${what} may not be the one you typed; nothing was done\\. Run node bin/summary-pipeline\\.js`,
      ),
    );
  });

  it('lets a run through npx without paths go on, and anything not started by npx itself', () => {
    expect(npxPathRefusal(['run'], npx)).toBeNull();
    expect(npxPathRefusal(['--wait', '60', 'plan', '--dry-run'], npx)).toBeNull();
    expect(npxPathRefusal(['export', 'summary'], npx)).toBeNull();
    expect(npxPathRefusal(['ingest', 'g1.jsonl'], {})).toBeNull(); // node bin/summary-pipeline.js
    expect(npxPathRefusal(['ingest', 'g1.jsonl'], { npm_command: 'exec', npm_lifecycle_script: "'jest'" })).toBeNull(); // a child of npx jest
  });
});
