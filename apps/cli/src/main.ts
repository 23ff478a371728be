import { Command, Option } from 'commander';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PipelineConfig, loadConfigFile } from '@app/config';
import {
  CatalogType,
  DEFAULT_ENGINE,
  RunnerClient,
  engineOptionsFromEnv,
  IN_PROCESS,
  stackConnectServer,
  describeProgress,
  sparkUiConf,
  redactRemote,
  runnerEngineConfig,
  warehouseLocation,
} from '@app/runner-client';
import {
  EXPORTABLE,
  ExportableTable,
  OPTIMIZE_DEFAULTS,
  OPTIMIZE_TABLES,
  collectStats,
  exportQuery,
  optimizeFacts,
  planRepair,
  runRepair,
  parseOptimizeOptions,
  planDryRun,
  planOptimize,
  runOptimize,
  validate,
} from '@app/table-ops';
import { INGEST_TARGETS, IngestTarget, SummaryPipeline, runLoad } from '@app/engine';
import { MAX_LINE_BYTES, MAX_VALUE_BYTES, loadColumns, parseLoadOptions } from '@app/ingest';
import { printPlan, printOutcome, printStats } from './report';
import { asCliWriter, exitCodeFor, parseWait } from './writer';
import { followEvents } from './events';
import { describeCatalog, npxPathRefusal, unknownCommandMessage, validationReport } from './messages';
import { sampleRows } from './sample';

const DEFAULT_CONFIG = 'config/seed-000.json';

interface GlobalOptions {
  config: string;
  warehouse?: string;
  catalogType?: CatalogType;
  catalogUri?: string;
  verbose?: boolean;
  sparkUi?: boolean;
  wait?: string;
}

/** The command being run, for withPipeline: writers take the pipeline's lease (writer.ts). */
const active: { name: string; dryRun?: boolean } = { name: '' };

const log = (message: string) => process.stderr.write(`[summary-pipeline] ${message}\n`);

const ALLOW_MISSING = '--allow-missing <columns>';
const ALLOW_MISSING_HELP =
  "comma-separated source columns a line may leave out (stored NULL), besides the config's ingest_optional_columns; any other missing column refuses the file";
const INGEST_RULES = `
The file is read as bytes, line by line (any size, bounded memory), and refused whole, naming each line,
unless every non-blank line is one UTF-8 JSON object whose keys are the source table's column names
spelled exactly (case included), each once, every column present (null for no value) except those
given to --allow-missing or in the config's ingest_optional_columns, and each value of its column's type: integers as integer literals in range
(BIGINT up to 9223372036854775807, exact), DECIMAL(p,s) without rounding, finite doubles, strings of at
most ${MAX_VALUE_BYTES} bytes, dates YYYY-MM-DD, timestamps YYYY-MM-DD HH:MM:SS (UTC); lines of at most
${MAX_LINE_BYTES} bytes. Spark then appends exactly the rows checked, from a normalised copy in $TMPDIR.`;

/** '--allow-missing a, b' → ['a', 'b']; repeated flags add up. */
function columnList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean),
  ];
}

/** Opens config + runner, runs `work`, always stops the runner. */
async function withPipeline<T>(opts: GlobalOptions, work: (p: SummaryPipeline) => Promise<T>): Promise<T> {
  const config: PipelineConfig = loadConfigFile(resolve(opts.config));
  const env = engineOptionsFromEnv();
  // One warm engine (issue 21): with SUMMARY_SPARK_REMOTE unset, the local stack's Spark Connect server when it runs.
  const stackServer = env.remote ? undefined : await stackConnectServer();
  const engine = runnerEngineConfig(config, {
    ...env,
    remote: env.remote ?? stackServer,
    sparkConf: { ...env.sparkConf, ...(opts.sparkUi ? sparkUiConf('1') : {}) },
    warehouse: opts.warehouse ?? env.warehouse,
    catalogType: opts.catalogType ?? env.catalogType,
    catalogUri: opts.catalogUri ?? env.catalogUri,
  });
  const warehouse = warehouseLocation(opts.warehouse ?? env.warehouse);
  // Beside a local warehouse; under the working directory when the warehouse is on an object store.
  const logDir = warehouse.includes('://') ? resolve('.runtime', 'logs') : join(warehouse, '..', '.runtime', 'logs');
  const runner = new RunnerClient(engine, {
    verbose: opts.verbose,
    logFile: join(logDir, 'runner.log'),
    onProgress: (p) => log(`progress ${describeProgress(p)}`),
  });
  const started = Date.now();
  const catalog = describeCatalog(opts.catalogType ?? env.catalogType, warehouse, opts.catalogUri ?? env.catalogUri);
  const whose = stackServer ? "the local stack's" : 'SUMMARY_SPARK_REMOTE';
  const starting = engine.remote
    ? `connecting to Spark Connect at ${redactRemote(engine.remote)} (${whose}`
    : `starting Spark (${engine.master}`;
  log(`${starting}; ${catalog}; log ${runner.logFile})`);
  if (!engine.remote && !process.env.SUMMARY_SPARK_REMOTE?.trim())
    log(
      `an in-process Spark starts cold on every run; a warm one: \`bash scripts/stack/stack.sh up\` starts the ` +
        `local stack's Spark Connect server, which later runs use (SUMMARY_SPARK_REMOTE=${IN_PROCESS} keeps them in-process)`,
    );
  await runner.start();
  log(
    `Spark ready in ${((Date.now() - started) / 1000).toFixed(1)} s${runner.versions?.sparkUi ? `; Spark UI at ${runner.versions.sparkUi}` : ''}`,
  );
  try {
    return await asCliWriter(new SummaryPipeline(config, runner, log), { ...active, wait: opts.wait }, log, work);
  } catch (err) {
    if (opts.verbose) process.stderr.write(runner.logTail() + '\n');
    throw err;
  } finally {
    await runner.close();
  }
}

function program(): Command {
  const cli = new Command('summary-pipeline')
    .description('Rolling-history account summaries in Iceberg, kept right by compiled Spark jobs (see README).')
    .option(
      '--config <file>',
      `pipeline config (seed-v4 JSON); env SUMMARY_CONFIG`,
      process.env.SUMMARY_CONFIG ?? DEFAULT_CONFIG,
    )
    .option(
      '--warehouse <dir>',
      `local warehouse directory; env SUMMARY_WAREHOUSE (default ${DEFAULT_ENGINE.warehouse})`,
    )
    .addOption(
      new Option('--catalog-type <type>', 'Iceberg catalog type; env SUMMARY_CATALOG_TYPE (default hadoop)').choices([
        'hadoop',
        'rest',
        'jdbc',
      ]),
    )
    .option('--catalog-uri <uri>', 'REST/JDBC catalog URI; env SUMMARY_CATALOG_URI')
    .option('-v, --verbose', 'mirror Spark logs to stderr')
    .option('--spark-ui', 'turn the Spark UI on and print its URL; env SUMMARY_SPARK_UI=1')
    .option(
      '--wait <seconds>',
      "run, load, optimize, repair: wait this long for another writer's lease of the pipeline (default 0: exit 75 at once, naming the holder)",
    )
    .showHelpAfterError('(summary-pipeline --help for the commands and options)')
    .hook('preAction', (root, command) => {
      parseWait(root.opts<GlobalOptions>().wait); // a bad --wait fails before Spark starts
      active.name = command.name();
      active.dryRun = Boolean(command.opts<{ dryRun?: boolean }>().dryRun);
    });
  const g = () => cli.opts<GlobalOptions>();

  cli
    .command('init')
    .description('create namespaces and tables from the config (idempotent)')
    .option('--no-create-source', 'the source table exists already (production)')
    .action(async (o: { createSource: boolean }) => {
      await withPipeline(g(), (p) => p.init(o.createSource));
      log('init: tables ready');
    });

  cli
    .command('ingest')
    .argument('<file>', 'JSON lines, keys = column names of the table (exact)')
    .description('append a JSON-lines file to the source table (or the report-date table) as one commit')
    .addOption(
      new Option(
        '--into <table>',
        "source, or report-dates: the config's hist_rpt_dt_table (SPEC §4b), checked the same way against its columns",
      )
        .choices([...INGEST_TARGETS])
        .default('source'),
    )
    .option(ALLOW_MISSING, ALLOW_MISSING_HELP, columnList)
    .addHelpText('after', INGEST_RULES)
    .action(async (file: string, o: { allowMissing?: string[]; into: IngestTarget }) => {
      const r = await withPipeline(g(), (p) => p.ingest(resolve(file), { allowMissing: o.allowMissing }, o.into));
      log(
        `ingest: appended ${r.rows} ${o.into === 'source' ? 'row(s)' : 'report row(s)'} of ${resolve(file)} as snapshot ${r.snapshotId}`,
      );
    });

  cli
    .command('run')
    .description('process everything pending: classify, then CASE_III, CASE_I, CASE_II')
    .action(async () => {
      const outcomes = await withPipeline(g(), (p) => p.runPending());
      outcomes.forEach((o) => printOutcome(o, log));
      log(`run: ${outcomes.length} batch(es) committed`);
    });

  cli
    .command('rebuild-unbounded')
    .description('rebuild the unbounded-history table (SPEC §4c) from summary alone')
    .action(async () => {
      const rows = await withPipeline(g(), (p) => p.rebuildUnbounded());
      log(`rebuild-unbounded: ${rows} row(s)`);
    });

  cli
    .command('export')
    .argument('<table>', EXPORTABLE.join(' | '))
    .option('--out <file>', 'write here instead of stdout')
    .description('JSON lines sorted by key, destination column names')
    .action(async (table: string, o: { out?: string }) => {
      if (!EXPORTABLE.includes(table as ExportableTable))
        throw new Error(`export: unknown table "${table}"; expected one of ${EXPORTABLE.join(', ')}`);
      const tmp = o.out ? undefined : mkdtempSync(join(tmpdir(), 'summary-export-'));
      const out = o.out ? resolve(o.out) : join(tmp!, 'export.jsonl');
      const rows = await withPipeline(g(), (p) =>
        p.runner.exportTo(exportQuery(p.config, table as ExportableTable), out),
      );
      if (tmp) {
        await new Promise<void>((done) => process.stdout.write(readFileSync(out), () => done()));
        rmSync(tmp, { recursive: true, force: true });
      }
      log(`export: ${rows} row(s) of ${table}${o.out ? ` to ${out}` : ''}`);
    });

  cli
    .command('validate')
    .description('no duplicate (key, month), arrays of configured length, latest consistent with summary')
    .action(async () => {
      const violations = await withPipeline(g(), (p) => validate(p));
      for (const line of validationReport(violations)) log(line);
      if (violations.some((v) => v.count > 0)) process.exitCode = 1;
    });

  cli
    .command('repair')
    .description('fix the ledger and staging an older version left when two writers ran at once (idempotent)')
    .option('--dry-run', 'print what would be fixed and the statements; change nothing')
    .addHelpText(
      'after',
      `
Per batch: a (batch, step) committed twice keeps its first commit, the later rows are marked superseded;
staged rows with a duplicate (key, month) are rewritten distinct; rejects beyond what the batch's classify
counted (a second classify's) are deleted. Overlapping source windows are reported, not changed
(docs/runbook.md "Repairing a jammed pipeline"). Runs as the pipeline's one writer; run validate after.`,
    )
    .action(async (o: { dryRun?: boolean }) => {
      const { notes, count } = await withPipeline(g(), async (p) => {
        const plan = await planRepair(p);
        if (o.dryRun)
          plan.actions.forEach((a) => process.stdout.write(`-- ${a.what}\n${a.sql.map((s) => `${s};\n`).join('')}`));
        else await runRepair(p, plan.actions, (m) => log(`repair: ${m}`));
        return { notes: plan.notes, count: plan.actions.length };
      });
      notes.forEach((n) => log(`repair: ${n}`));
      log(
        `repair: ${count === 0 ? 'nothing to repair' : `${count} fix(es) ${o.dryRun ? 'planned (dry run)' : 'applied'}`}`,
      );
      if (notes.length) process.exitCode = 1;
    });

  cli
    .command('plan')
    .description('classification counts and the compiled SQL of every job, writing nothing')
    .requiredOption('--dry-run', 'required: plan never writes')
    .option('--json', 'print the compiled jobs as JSON')
    .action(async (o: { json?: boolean }) => {
      const plan = await withPipeline(g(), (p) => planDryRun(p));
      printPlan(plan, Boolean(o.json));
    });
  cli
    .command('stats')
    .description(
      'counts of summary and latest, snapshots/files/bytes per table, rejects, the last batch and pending work; writes nothing',
    )
    .option('--json', 'also print the figures as JSON on stdout')
    .action(async (o: { json?: boolean }) => {
      const stats = await withPipeline(g(), (p) => collectStats(p));
      printStats(stats, log);
      if (o.json) process.stdout.write(JSON.stringify(stats, null, 2) + '\n');
    });

  cli
    .command('optimize')
    .description(
      'table maintenance: compact data files, apply position deletes (merge-on-read tables), expire old snapshots',
    )
    .option('--tables <list>', `comma-separated, of ${OPTIMIZE_TABLES.join(', ')} (default: all of them)`)
    .option('--retain-days <n>', `expire snapshots older than n days (default ${OPTIMIZE_DEFAULTS.retainDays})`)
    .option(
      '--retain-last <n>',
      `but keep the last n snapshots of each table whatever their age (default ${OPTIMIZE_DEFAULTS.retainLast})`,
    )
    .option('--dry-run', 'print the CALL statements on stdout; run none')
    .option('--include-source', 'also expire old source snapshots (only that: its data files are never rewritten)')
    .addHelpText(
      'after',
      `
Per table: rewrite_data_files (2+ files per partition, and data files with deletes, which it applies),
rewrite_position_delete_files where delete files are left (not on summary/latest: it fails on their array
columns in Iceberg 1.10, apache/iceberg#15080), expire_snapshots. The defaults suit a daily run.
The source is touched only with --include-source, and only by expire_snapshots, up to the earlier of
--retain-days ago and the commit of the source snapshot the last classified batch ended at: the next
batch reads the source incrementally from that snapshot, so it and every later one are kept. It never
rewrites the source's files: classify reads the files its append snapshots added. A failed call (e.g. a
commit conflict with a running batch) is reported, the others run, and the exit code is 1.`,
    )
    .action(
      async (raw: {
        tables?: string;
        retainDays?: string;
        retainLast?: string;
        dryRun?: boolean;
        includeSource?: boolean;
      }) => {
        const options = parseOptimizeOptions(raw);
        const failed = await withPipeline(g(), async (p) => {
          const plan = planOptimize(p.config, options, await optimizeFacts(p, options));
          plan.notes.forEach((n) => log(`optimize: ${n}`));
          if (options.dryRun) {
            process.stdout.write(plan.calls.map((c) => `${c.sql};\n`).join(''));
            return 0;
          }
          return (await runOptimize(p, plan, (m) => log(`optimize: ${m}`))).filter((o) => o.error).length;
        });
        if (failed) process.exitCode = 1;
      },
    );

  cli
    .command('load')
    .argument('<file>', 'JSON lines, as for ingest')
    .description('append a JSON-lines file in parts, each one source commit and one batch; resumable')
    .option('--chunks <n>', 'initial bulk load: n parts by pmod(xxhash64(key), n), bounding each CASE_I job')
    .option('--by-month', 'one part per month of the file, in month order (forward month by month)')
    .option('--months <from..to>', 'only rows whose month is in YYYY-MM..YYYY-MM')
    .option(
      '--where <predicate>',
      'only rows matching one predicate over source columns (a backfill filter), checked like a config expression: docs/config-expressions.md',
    )
    .option('--no-run', 'append only; `run` or the services process the parts later')
    .option(ALLOW_MISSING, ALLOW_MISSING_HELP, columnList)
    .addHelpText(
      'after',
      `${INGEST_RULES}

Options combine: months outer, chunks inner, all within --where. Each part is appended as one commit
(an empty part commits nothing) followed by \`run\`, so each part is one batch; the result equals a plain
ingest + run of the same rows. A rerun of the same file with the same options appends only the parts no
source snapshot carries yet (property summary-pipeline.load-part) and runs what is pending.
--chunks, --by-month and --months need the key/month as plain source columns (not computed by the config).`,
    )
    .action(
      async (
        file: string,
        raw: {
          chunks?: string;
          byMonth?: boolean;
          months?: string;
          where?: string;
          run?: boolean;
          allowMissing?: string[];
        },
      ) => {
        const { allowMissing, ...loadRaw } = raw;
        const options = parseLoadOptions(loadRaw);
        loadColumns(loadConfigFile(resolve(g().config)), options); // a config that cannot split fails before Spark starts
        const report = await withPipeline(g(), (p) => runLoad(p, resolve(file), options, log, { allowMissing }));
        const count = (status: string) => report.parts.filter((p) => p.status === status).length;
        const rows = report.parts.reduce((n, p) => n + p.rows, 0);
        const batches = report.pendingBefore.length + report.parts.reduce((n, p) => n + p.batches.length, 0);
        log(
          `load ${report.loadId}: ${count('appended')} part(s) appended ` +
            `(${rows} row(s)), ${count('already_appended')} already appended, ${count('empty')} ` +
            `empty; ${batches} batch(es) run`,
        );
      },
    );

  cli
    .command('events')
    .description("follow the services' events (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, TOPIC_PREFIX) and print progress")
    .option(
      '--until-batches <n>',
      'exit after this many batches completed (counted from the first event); exit 1 if one failed',
    )
    .option('--quiet-before <n>', 'print nothing about batches b-000001 … b-<n>')
    .action(async (o: { untilBatches?: string; quietBefore?: string }) => {
      const ok = await followEvents({
        untilBatches: o.untilBatches ? Number(o.untilBatches) : undefined,
        quietBefore: o.quietBefore ? Number(o.quietBefore) : undefined,
      });
      if (!ok) process.exitCode = 1;
    });

  cli
    .command('sample')
    .description('write synthetic source rows for the config (demo and benchmarks); needs no Spark')
    .requiredOption('--out <file>', 'JSON-lines file to write')
    .option('--accounts <n>', 'accounts', '1000')
    .option('--months <n>', 'months of history', '24')
    .option('--start <YYYY-MM>', 'first month', '2023-01')
    .option('--seed <n>', 'random seed', '1')
    .option('--mixed', 'one mixed daily batch on top of that history instead of the history itself')
    .option('--base-ts <ts>', 'base_ts of the rows', '2025-01-01 00:00:00')
    .action(
      (o: {
        out: string;
        accounts: string;
        months: string;
        start: string;
        seed: string;
        mixed?: boolean;
        baseTs: string;
      }) => {
        const config = loadConfigFile(resolve(g().config));
        const out = createWriteStream(resolve(o.out));
        let n = 0;
        for (const row of sampleRows(config, {
          accounts: Number(o.accounts),
          months: Number(o.months),
          start: o.start,
          seed: Number(o.seed),
          mixed: Boolean(o.mixed),
          baseTs: o.baseTs,
        })) {
          out.write(JSON.stringify(row) + '\n');
          n++;
        }
        out.end(() => log(`sample: ${n} row(s) written to ${o.out}`));
      },
    );
  // Instead of commander's own error, which suggests only very close names: every command listed.
  cli.on('command:*', (operands: string[]) => {
    process.stderr.write(
      `summary-pipeline: ${unknownCommandMessage(
        operands[0],
        cli.commands.map((c) => c.name()),
      )}\n`,
    );
    process.exit(2);
  });
  return cli;
}

const refusal = npxPathRefusal(process.argv.slice(2), process.env);
if (refusal) {
  process.stderr.write(`summary-pipeline: ${refusal}\n`);
  process.exit(2);
}

program()
  .parseAsync(process.argv)
  .catch((err: Error) => {
    process.stderr.write(`summary-pipeline: ${err.message}\n`);
    process.exitCode = exitCodeFor(err);
  });
