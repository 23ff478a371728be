import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { emrSettings, main } from './node-checks';

const repo = resolve(__dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'node-checks-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const run = (...argv: string[]) => {
  const lines: string[] = [];
  return { code: main(argv, (l) => lines.push(l)), lines };
};

describe('deploy/node-checks (npm run check:deploy)', () => {
  it('passes the repository’s own configs and the prod overlay’s EMR settings', () => {
    const configs = [join(repo, 'k8s/base/pipeline-config.json'), join(repo, 'k8s/overlays/prod/pipeline-config.json')];
    expect(run('json', ...configs)).toEqual({ code: 0, lines: [] });
    expect(run('config', ...configs)).toEqual({ code: 0, lines: [] });
    expect(
      run('emr-env', join(repo, 'k8s/overlays/prod/emr.env'), join(repo, 'k8s/overlays/prod/kustomization.yaml')),
    ).toEqual({ code: 0, lines: [] });
  });

  it('names the file and the problem of each broken input', () => {
    const broken = file('broken.json', '{"source_table": }');
    expect(run('json', broken)).toMatchObject({ code: 1, lines: [expect.stringMatching(/^.*broken\.json: .*JSON/)] });
    const notAConfig = file('not-a-config.json', '{"source_table": "a.b"}');
    const r = run('config', notAConfig);
    expect(r.code).toBe(1);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toContain('not-a-config.json: ');
    const env = file('emr.env', 'EMR_VIRTUAL_CLUSTER_ID=\n');
    expect(run('emr-env', env, file('kustomization.yaml', 'resources: []\n'))).toMatchObject({
      code: 1,
      lines: [expect.stringContaining('emr.env: ')],
    });
  });

  it('never passes on nothing: a missing file, no files or an unknown check is a usage error', () => {
    expect(run('config', join(dir, 'absent.json'))).toEqual({
      code: 2,
      lines: [expect.stringContaining('absent.json not found')],
    });
    expect(run('json')).toEqual({ code: 2, lines: ['node-checks json: no files given'] });
    expect(run('yaml', 'x')).toMatchObject({ code: 2, lines: [expect.stringContaining('unknown check "yaml"')] });
    expect(run('emr-env', join(repo, 'k8s/overlays/prod/emr.env'))).toMatchObject({
      code: 2,
      lines: [expect.stringContaining('emr-env takes ENV_FILE KUSTOMIZATION')],
    });
  });

  it('reads KEY=VALUE lines and the kustomization’s region and catalog literals', () => {
    expect(
      emrSettings(
        'A=1\n# B=2\nC=x=y\n',
        'literals:\n  - AWS_REGION=eu-west-1\n  - OTHER=1\n  - SUMMARY_CATALOG_URI=https://c\n',
      ),
    ).toEqual({
      A: '1',
      C: 'x=y',
      AWS_REGION: 'eu-west-1',
      SUMMARY_CATALOG_URI: 'https://c',
    });
  });
});
