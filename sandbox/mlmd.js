// @ts-check
// Builds ML Metadata (MLMD) SQLite databases of any size, shaped like the /data/mlmd.db that the
// mlmd charm's gRPC server keeps for Kubeflow Pipelines v2. The schema and the first rows are the
// vectors' own (vectors/mlmd: MLMD v1.14.0's SQLite DDL, schema_version 10, and one KFP run); more
// runs of a handful of pipelines are then added, in the shapes KFP 2.x's driver and launcher write
// (contexts, executions, artifacts with minio://mlpipeline/v2/artifacts/... URIs, events with paths,
// associations, attributions and custom properties).
//
// Speed: the rows are made by INSERT ... SELECT inside one real sqlite3 process (a few statements
// per batch of runs, journal off while building), so 1 GiB takes about a minute on two cores.
// Everything is a function of the seed: no randomblob() or random(), so the same seed and size give
// the same row counts and the same contents.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const MLMD_VECTORS = path.resolve(here, '../test/vectors/mlmd');

/** A size for tests: big enough to take real time to copy and dump, small enough for CI. */
export const DEFAULT_TEST_BYTES = 24 * 1024 * 1024;

/** The 15 tables of MLMD's schema_version 10 (sqlite_sequence is SQLite's own). */
export const MLMD_TABLES = [
  'Artifact',
  'ArtifactProperty',
  'Association',
  'Attribution',
  'Context',
  'ContextProperty',
  'Event',
  'EventPath',
  'Execution',
  'ExecutionProperty',
  'MLMDEnv',
  'ParentContext',
  'ParentType',
  'Type',
  'TypeProperty',
];

// ---------------------------------------------------------------------------------------------
// Types and pipelines. Ids 1-16 are the vectors' rows; the rest are created "on first use" here.

const T = {
  DAG: 12,
  CONTAINER: 13,
  DATASET: 14,
  MODEL: 15,
  METRICS: 16,
  ARTIFACT: 17,
  CLASSIFICATION: 18,
  HTML: 19,
  MARKDOWN: 20,
  EXAMPLES: 21,
  STATISTICS: 22,
  SCHEMA: 23,
};

// [id, name, type_kind]; 21-23 are TFX-style typed artifacts with properties and a base type.
/** @type {[number, string, number][]} */
const EXTRA_TYPES = [
  [17, 'system.Artifact', 1],
  [18, 'system.ClassificationMetrics', 1],
  [19, 'system.HTML', 1],
  [20, 'system.Markdown', 1],
  [21, 'Examples', 1],
  [22, 'ExampleStatistics', 1],
  [23, 'Schema', 1],
];
// MLMD PropertyType: 1 INT, 2 DOUBLE, 3 STRING, 4 STRUCT, 5 PROTO, 6 BOOLEAN.
/** @type {[number, string, number][]} */
const TYPE_PROPERTIES = [
  [21, 'span', 1],
  [21, 'split_names', 3],
  [21, 'version', 1],
  [22, 'span', 1],
  [22, 'split_names', 3],
];
// base_type: Examples -> mlmd.Dataset, ExampleStatistics -> mlmd.Statistics.
/** @type {[number, number][]} */
const PARENT_TYPES = [
  [21, 1],
  [22, 4],
];

// Property sets by artifact type: [name, is_custom_property, kind]; kinds are SQL value makers below.
/** @type {Record<string, [string, number, string][]>} */
const ARTIFACT_PROPS = {
  base: [
    ['display_name', 1, 'display'],
    ['store_session_info', 1, 'session'],
  ],
  [T.METRICS]: [
    ['accuracy', 1, 'ratio'],
    ['loss', 1, 'loss'],
  ],
  [T.CLASSIFICATION]: [
    ['confusionMatrix', 1, 'cmatrix'],
    ['accuracy', 1, 'ratio'],
    ['f1', 1, 'ratio'],
  ],
  [T.MODEL]: [
    ['framework', 1, 'framework'],
    ['model_size_bytes', 1, 'size'],
  ],
  [T.EXAMPLES]: [
    ['span', 0, 'zero'],
    ['split_names', 0, 'splits'],
    ['version', 0, 'zero'],
    ['tfx_version', 1, 'tfx'],
  ],
  [T.STATISTICS]: [
    ['span', 0, 'zero'],
    ['split_names', 0, 'splits'],
    ['stats_summary', 1, 'proto'],
    ['tfx_version', 1, 'tfx'],
  ],
  [T.SCHEMA]: [['tfx_version', 1, 'tfx']],
};

// KFP v2 pipelines: tasks in order; `in` names an earlier task's output as task.output.
/** @type {{ name: string, tasks: { name: string, in?: [param: string, from: string][], out: [name: string, typeId: number][] }[] }[]} */
const PIPELINES = [
  {
    name: 'iris-training-pipeline', // context id 1 in the vectors
    tasks: [
      { name: 'preprocess', out: [['dataset', T.DATASET]] },
      {
        name: 'train',
        in: [['dataset', 'preprocess.dataset']],
        out: [
          ['model', T.MODEL],
          ['metrics', T.METRICS],
        ],
      },
    ],
  },
  {
    name: 'xgboost-training',
    tasks: [
      { name: 'chicago-taxi-trips-dataset', out: [['table', T.DATASET]] },
      {
        name: 'xgboost-train',
        in: [['training_data', 'chicago-taxi-trips-dataset.table']],
        out: [
          ['model', T.MODEL],
          ['model_config', T.ARTIFACT],
        ],
      },
      {
        name: 'xgboost-predict',
        in: [
          ['data', 'chicago-taxi-trips-dataset.table'],
          ['model', 'xgboost-train.model'],
        ],
        out: [['predictions', T.DATASET]],
      },
      {
        name: 'evaluate',
        in: [['predictions', 'xgboost-predict.predictions']],
        out: [
          ['metrics', T.CLASSIFICATION],
          ['report', T.HTML],
        ],
      },
    ],
  },
  {
    name: 'tfx-taxi',
    tasks: [
      { name: 'csvexamplegen', out: [['examples', T.EXAMPLES]] },
      { name: 'statisticsgen', in: [['examples', 'csvexamplegen.examples']], out: [['statistics', T.STATISTICS]] },
      { name: 'schemagen', in: [['statistics', 'statisticsgen.statistics']], out: [['schema', T.SCHEMA]] },
      {
        name: 'trainer',
        in: [
          ['examples', 'csvexamplegen.examples'],
          ['schema', 'schemagen.schema'],
        ],
        out: [['model', T.MODEL]],
      },
      {
        name: 'evaluator',
        in: [
          ['model', 'trainer.model'],
          ['examples', 'csvexamplegen.examples'],
        ],
        out: [['evaluation', T.METRICS]],
      },
    ],
  },
  {
    name: 'data-prep',
    tasks: [
      { name: 'download', out: [['raw', T.DATASET]] },
      { name: 'clean', in: [['raw', 'download.raw']], out: [['cleaned', T.DATASET]] },
      {
        name: 'split',
        in: [['data', 'clean.cleaned']],
        out: [
          ['train_set', T.DATASET],
          ['test_set', T.DATASET],
        ],
      },
      { name: 'profile', in: [['data', 'clean.cleaned']], out: [['report', T.MARKDOWN]] },
    ],
  },
  {
    name: 'batch-predict',
    tasks: [
      { name: 'load-model', out: [['model', T.MODEL]] },
      { name: 'predict', in: [['model', 'load-model.model']], out: [['predictions', T.DATASET]] },
    ],
  },
  {
    name: 'llm-finetune',
    tasks: [
      { name: 'prepare-data', out: [['dataset', T.DATASET]] },
      {
        name: 'finetune',
        in: [['dataset', 'prepare-data.dataset']],
        out: [
          ['adapter', T.MODEL],
          ['train_metrics', T.METRICS],
        ],
      },
      {
        name: 'evaluate',
        in: [
          ['adapter', 'finetune.adapter'],
          ['dataset', 'prepare-data.dataset'],
        ],
        out: [
          ['eval_metrics', T.METRICS],
          ['confusion', T.CLASSIFICATION],
        ],
      },
    ],
  },
];

const NAMESPACES = ['kubeflow-user-example-com', 'team-vision', 'team-forecasting', 'ml-platform', 'research-nlp'];
const FRAMEWORKS = ['xgboost', 'sklearn', 'pytorch', 'tensorflow', 'lightgbm'];
const SESSION_INFO =
  '{"Provider":"minio","Params":{"accessKeyKey":"accesskey","disableSSL":"true","endpoint":"minio-service.kubeflow:9000","fromEnv":"false","region":"minio","secretKeyKey":"secretkey","secretName":"mlpipeline-minio-artifact"}}';
const T0 = 1749556800000; // the vectors' run, 2025-06-10
const RUN_SPACING_MS = 97_000;

// ---------------------------------------------------------------------------------------------
// Deterministic values.

/** @param {number} seed */
function prng(seed) {
  let s = (seed * 2654435761) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/**
 * SQL for a hash of an integer expression into [0, 2^31): a square mod a prime, salted per use.
 * @param {string} expr @param {number} salt @param {number} seed
 */
function h(expr, salt, seed) {
  const a = 1103515245 + salt * 7919;
  const b = (12345 + salt * 104729 + seed * 15485863) % 2147483647;
  const x = `(((${expr}) * ${a} + ${b}) % 2147483647)`;
  return `(${x} * ${x} % 2147483647)`;
}

const sq = (/** @type {unknown} */ s) => `'${String(s).replace(/'/g, "''")}'`;
const hex = (/** @type {Buffer} */ buf) => `X'${buf.toString('hex')}'`;

// Protocol buffers, just enough for google.protobuf.Struct/Value/Any as MLMD stores them.
/** @typedef {string | number | boolean | (string | number | boolean)[]} StructValue a Value: scalars, and lists of them here */

/** @param {number} n */
function varint(n) {
  const out = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}
const field = (/** @type {number} */ num, /** @type {Buffer} */ bytes) => Buffer.concat([varint((num << 3) | 2), varint(bytes.length), bytes]);
/** @param {StructValue} v @returns {Buffer} */
function value(v) {
  if (typeof v === 'number') {
    const b = Buffer.alloc(9);
    b[0] = (2 << 3) | 1; // number_value, 64-bit
    b.writeDoubleLE(v, 1);
    return b;
  }
  if (typeof v === 'boolean') return Buffer.from([(4 << 3) | 0, v ? 1 : 0]);
  if (Array.isArray(v)) return field(6, Buffer.concat(v.map((x) => field(1, value(x)))));
  return field(3, Buffer.from(String(v)));
}
/** @param {Record<string, StructValue>} obj */
const struct = (obj) => Buffer.concat(Object.entries(obj).map(([k, v]) => field(1, Buffer.concat([field(1, Buffer.from(k)), field(2, value(v))]))));
const mlmdStruct = (/** @type {Record<string, StructValue>} */ obj) => `mlmd-struct::${struct(obj).toString('base64')}`;
const any = (/** @type {string} */ typeUrl, /** @type {Buffer} */ bytes) => Buffer.concat([field(1, Buffer.from(typeUrl)), field(2, bytes)]);

/**
 * Pools of realistic values picked per row by hash: KFP task inputs, confusion matrices, protos.
 * @param {number} seed
 */
function pools(seed) {
  const r = prng(seed);
  /** @template T @param {T[]} xs @returns {T} */
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const words = ['trip_miles', 'fare', 'tips', 'pickup_community_area', 'company', 'payment_type', 'trip_seconds', 'dropoff_latitude'];
  const inputs = [];
  for (let i = 0; i < 512; i++) {
    /** @type {Record<string, StructValue>} */
    const o = {};
    if (r() < 0.8) o.learning_rate = Math.round(r() * 1000) / 10000;
    if (r() < 0.7) o.epochs = 1 + Math.floor(r() * 50);
    if (r() < 0.5) o.test_size = Math.round(r() * 40) / 100;
    if (r() < 0.4) o.batch_size = 2 ** (4 + Math.floor(r() * 6));
    if (r() < 0.3) o.optimizer = pick(['adam', 'sgd', 'adamw', 'rmsprop']);
    if (r() < 0.3) o.data_path = `minio://mlpipeline/datasets/${pick(words)}/${2020 + Math.floor(r() * 6)}/part-${Math.floor(r() * 1000)}.parquet`;
    if (r() < 0.25) {
      const cols = Array.from({ length: 2 + Math.floor(r() * 6) }, () => pick(words));
      o.query = `SELECT ${cols.join(', ')} FROM \`bigquery-public-data.chicago_taxi_trips.taxi_trips\` WHERE RAND() < ${Math.round(r() * 100) / 1000} AND trip_start_timestamp >= '20${20 + Math.floor(r() * 5)}-01-01'`;
    }
    if (r() < 0.2) o.feature_columns = Array.from({ length: 3 + Math.floor(r() * 12) }, () => pick(words));
    if (r() < 0.2) o.early_stopping = r() < 0.5;
    inputs.push(mlmdStruct(o));
  }
  const matrices = [];
  for (let i = 0; i < 128; i++) {
    const labels = ['setosa', 'versicolor', 'virginica', 'other'].slice(0, 2 + Math.floor(r() * 3));
    const rows = labels.map(() => labels.map(() => Math.floor(r() * 500)));
    matrices.push(mlmdStruct({ annotationSpecs: labels, rows: rows.map((row) => row.join(',')) }));
  }
  const protos = [];
  for (let i = 0; i < 64; i++) {
    const stats = {
      num_examples: Math.floor(r() * 1e7),
      num_features: 4 + Math.floor(r() * 60),
      missing_ratio: Math.round(r() * 1e4) / 1e4,
      splits: ['train', 'eval'],
    };
    protos.push(any('type.googleapis.com/google.protobuf.Struct', struct(stats)));
  }
  return { inputs, matrices, protos };
}

// ---------------------------------------------------------------------------------------------
// The SQL.

/**
 * The rows added once: extra types, one context per pipeline, the templates (temp tables).
 * @param {number} seed
 */
function setupSql(seed) {
  const { inputs, matrices, protos } = pools(seed);
  const lines = ['BEGIN;'];
  for (const [id, name, kind] of EXTRA_TYPES) lines.push(`INSERT INTO \`Type\` (\`id\`, \`name\`, \`type_kind\`) VALUES (${id}, ${sq(name)}, ${kind});`);
  for (const [id, name, dt] of TYPE_PROPERTIES) lines.push(`INSERT INTO \`TypeProperty\` VALUES (${id}, ${sq(name)}, ${dt});`);
  for (const [id, parent] of PARENT_TYPES) lines.push(`INSERT INTO \`ParentType\` VALUES (${id}, ${parent});`);
  // Pipeline contexts: the vectors' iris pipeline is context 1; the others follow its run (2).
  lines.push(
    'CREATE TEMP TABLE pipe (p INTEGER PRIMARY KEY, name TEXT, pipe_ctx INT, n_exec INT, n_art INT, n_ev INT);',
    'CREATE TEMP TABLE ptask (p INT, k INT, task TEXT, PRIMARY KEY (p, k));',
    'CREATE TEMP TABLE pout (p INT, i INT, k INT, out TEXT, type_id INT, PRIMARY KEY (p, i));',
    'CREATE TEMP TABLE pev (p INT, e INT, k INT, i INT, type INT, step TEXT, PRIMARY KEY (p, e));',
    'CREATE TEMP TABLE aprop (type_id INT, name TEXT, custom INT, kind TEXT, PRIMARY KEY (type_id, name, custom));',
    'CREATE TEMP TABLE pool (kind TEXT, i INT, s TEXT, b BLOB, PRIMARY KEY (kind, i));',
    'CREATE TEMP TABLE runs (r INTEGER PRIMARY KEY, p INT, ctx_id INT, pctx INT, exec_base INT, art_base INT, ev_base INT, t0 INT, ns TEXT, uuid TEXT);',
  );
  let ctx = 2;
  PIPELINES.forEach((pl, p) => {
    const ctxId = p === 0 ? 1 : ++ctx;
    if (p > 0)
      lines.push(
        `INSERT INTO \`Context\` (\`id\`, \`type_id\`, \`name\`, \`create_time_since_epoch\`, \`last_update_time_since_epoch\`) VALUES (${ctxId}, 10, ${sq(pl.name)}, ${T0 + p * 1000}, ${T0 + p * 1000});`,
      );
    /** @type {{ task: string, k: number, out: string, typeId: number }[]} */
    const outs = [];
    /** @type {{ k: number, i: number, type: number, step: string }[]} */
    const events = [];
    lines.push(`INSERT INTO ptask VALUES (${p}, 0, '');`);
    pl.tasks.forEach((task, idx) => {
      const k = idx + 1;
      lines.push(`INSERT INTO ptask VALUES (${p}, ${k}, ${sq(task.name)});`);
      for (const [param, from] of task.in ?? []) {
        const src = outs.findIndex((o) => `${o.task}.${o.out}` === from);
        if (src < 0) throw new Error(`pipeline ${pl.name}: unknown input ${from}`);
        events.push({ k, i: src, type: 3, step: param });
      }
      for (const [out, typeId] of task.out) {
        events.push({ k, i: outs.length, type: 4, step: out });
        outs.push({ task: task.name, k, out, typeId });
      }
    });
    outs.forEach((o, i) => lines.push(`INSERT INTO pout VALUES (${p}, ${i}, ${o.k}, ${sq(o.out)}, ${o.typeId});`));
    events.forEach((e, n) => lines.push(`INSERT INTO pev VALUES (${p}, ${n}, ${e.k}, ${e.i}, ${e.type}, ${sq(e.step)});`));
    lines.push(`INSERT INTO pipe VALUES (${p}, ${sq(pl.name)}, ${ctxId}, ${pl.tasks.length + 1}, ${outs.length}, ${events.length});`);
  });
  const typeIds = new Set(PIPELINES.flatMap((pl) => pl.tasks.flatMap((t) => t.out.map(([, id]) => id))));
  for (const typeId of typeIds) {
    for (const [name, custom, kind] of [...ARTIFACT_PROPS.base, ...(ARTIFACT_PROPS[typeId] ?? [])]) {
      lines.push(`INSERT INTO aprop VALUES (${typeId}, ${sq(name)}, ${custom}, ${sq(kind)});`);
    }
  }
  inputs.forEach((s, i) => lines.push(`INSERT INTO pool VALUES ('inputs', ${i}, ${sq(s)}, NULL);`));
  matrices.forEach((s, i) => lines.push(`INSERT INTO pool VALUES ('cmatrix', ${i}, ${sq(s)}, NULL);`));
  protos.forEach((b, i) => lines.push(`INSERT INTO pool VALUES ('proto', ${i}, NULL, ${hex(b)});`));
  lines.push('COMMIT;');
  return { sql: lines.join('\n'), sizes: { inputs: inputs.length, cmatrix: matrices.length, proto: protos.length } };
}

/**
 * The statements that add runs a..b (inclusive), each table filled in its primary-key order.
 * @param {number} a @param {number} b @param {number} seed @param {ReturnType<typeof setupSql>['sizes']} sizes
 */
function batchSql(a, b, seed, sizes) {
  // e: an SQL integer expression; s, salt: the hash's salt
  const H = (/** @type {string} */ expr, /** @type {number} */ salt) => h(expr, salt, seed);
  const inBatch = `r BETWEEN ${a} AND ${b}`;
  const ns = (/** @type {string} */ e) => `CASE ${H(e, 3)} % ${NAMESPACES.length} ${NAMESPACES.map((n, i) => `WHEN ${i} THEN ${sq(n)}`).join(' ')} END`;
  const hex8 = (/** @type {string} */ e, /** @type {number} */ s) => `printf('%08x', ${H(e, s)} * 2 + ${H(e, s + 50)} % 2)`;
  const uuid = (/** @type {string} */ e, /** @type {number} */ s) =>
    `printf('%s-%04x-4%03x-%04x-%04x%s', ${hex8(e, s)}, ${H(e, s + 1)} % 65536, ${H(e, s + 2)} % 4096, 32768 + ${H(e, s + 3)} % 16384, ${H(e, s + 4)} % 65536, ${hex8(e, s + 5)})`;
  // Per task: start and end (ms) inside the run, and the KFP state (COMPLETE, or CACHED 1 in 10).
  const tk = '(runs.r * 16 + t.k)';
  const start = `(runs.t0 + 15000 + (t.k - 1) * 70000 + ${H(tk, 20)} % 20000)`;
  const end = `(${start} + 5000 + ${H(tk, 21)} % 45000)`;
  const state = `CASE WHEN t.k = 0 THEN 2 WHEN ${H(tk, 22)} % 10 = 0 THEN 5 ELSE 3 END`;
  const eid = 'runs.exec_base + t.k';
  const root = `'minio://mlpipeline/v2/artifacts/' || pipe.name || '/' || runs.uuid`;
  const ai = '(runs.r * 16 + o.i)';
  const execProps = [
    // [name, kind] in primary-key (name) order; the root DAG has only display_name, inputs, task_name.
    ['cache_fingerprint', 'task'],
    ['cached_execution_id', 'cached'],
    ['display_name', 'all'],
    ['image', 'task'],
    ['inputs', 'all'],
    ['namespace', 'task'],
    ['parent_dag_id', 'task'],
    ['pod_name', 'task'],
    ['pod_uid', 'task'],
    ['task_name', 'all'],
  ];
  /** @param {'inputs' | 'cmatrix'} kind @param {string} e */
  const pool = (kind, e) => `(SELECT s FROM pool WHERE kind = '${kind}' AND i = ${e} % ${sizes[kind]})`;
  const execValue = (/** @type {string} */ name) =>
    /** @type {Partial<Record<string, string>>} */ ({
      cache_fingerprint: `printf('%s%s%s%s%s%s%s%s', ${[0, 1, 2, 3, 4, 5, 6, 7].map((n) => hex8(tk, 30 + n)).join(', ')})`,
      cached_execution_id: `CAST(max(1, runs.exec_base - 1 - ${H(tk, 40)} % 5000) AS TEXT)`,
      display_name: 't.task',
      image: "''",
      inputs: pool('inputs', H(tk, 41)),
      namespace: 'runs.ns',
      pod_name: `pipe.name || '-' || substr(runs.uuid, 1, 5) || '-system-container-impl-' || (${H(tk, 42)} % 4294967296)`,
      pod_uid: uuid(tk, 43),
      task_name: 't.task',
    })[name];
  const stmts = [
    'BEGIN;',
    `INSERT INTO runs
       WITH RECURSIVE s(r) AS (SELECT ${a} UNION ALL SELECT r + 1 FROM s WHERE r < ${b}),
       q AS (SELECT r, ${H('r', 1)} % ${PIPELINES.length} AS p FROM s)
       SELECT q.r, q.p,
         (SELECT max(id) FROM Context) + row_number() OVER w,
         pipe.pipe_ctx,
         (SELECT max(id) FROM Execution) + sum(pipe.n_exec) OVER w - pipe.n_exec + 1,
         (SELECT max(id) FROM Artifact) + sum(pipe.n_art) OVER w - pipe.n_art + 1,
         (SELECT max(id) FROM Event) + sum(pipe.n_ev) OVER w - pipe.n_ev + 1,
         ${T0} + q.r * ${RUN_SPACING_MS} + ${H('q.r', 2)} % 60000,
         ${ns('q.r')},
         ${uuid('q.r', 4)}
       FROM q JOIN pipe USING (p) WINDOW w AS (ORDER BY q.r ROWS UNBOUNDED PRECEDING);`,
    `INSERT INTO Context (id, type_id, name, external_id, create_time_since_epoch, last_update_time_since_epoch)
       SELECT ctx_id, 11, uuid, NULL, t0, t0 FROM runs WHERE ${inBatch} ORDER BY ctx_id;`,
    `INSERT INTO ContextProperty (context_id, name, is_custom_property, string_value)
       SELECT ctx_id, n.name, 1, CASE n.name WHEN 'namespace' THEN ns WHEN 'pipeline_root' THEN ${root}
         WHEN 'resource_name' THEN 'run-resource' ELSE ${sq(SESSION_INFO)} END
       FROM runs JOIN pipe USING (p) JOIN (SELECT 'namespace' AS name UNION ALL SELECT 'pipeline_root' UNION ALL SELECT 'resource_name' UNION ALL SELECT 'store_session_info') n
       WHERE ${inBatch} ORDER BY ctx_id, n.name;`,
    `INSERT INTO ParentContext SELECT ctx_id, pctx FROM runs WHERE ${inBatch} ORDER BY ctx_id;`,
    `INSERT INTO Execution (id, type_id, last_known_state, name, external_id, create_time_since_epoch, last_update_time_since_epoch)
       SELECT ${eid}, CASE t.k WHEN 0 THEN ${T.DAG} ELSE ${T.CONTAINER} END, ${state},
         CASE t.k WHEN 0 THEN 'run/' || runs.uuid END, NULL,
         CASE t.k WHEN 0 THEN runs.t0 + 60 ELSE ${start} END, CASE t.k WHEN 0 THEN runs.t0 + 60 ELSE ${end} END
       FROM runs JOIN ptask t USING (p) WHERE ${inBatch} ORDER BY 1;`,
    `INSERT INTO ExecutionProperty (execution_id, name, is_custom_property, int_value, string_value)
       SELECT ${eid}, n.name, 1, CASE n.name WHEN 'parent_dag_id' THEN runs.exec_base END,
         CASE n.name ${execProps
           .filter(([n]) => execValue(n))
           .map(([n]) => `WHEN '${n}' THEN ${n === 'display_name' || n === 'task_name' ? 't.task' : execValue(n)}`)
           .join(' ')} END
       FROM runs JOIN pipe USING (p) JOIN ptask t USING (p)
         JOIN (${execProps.map(([n, kind]) => `SELECT '${n}' AS name, '${kind}' AS kind`).join(' UNION ALL ')}) n
       WHERE ${inBatch} AND (n.kind = 'all' OR (t.k > 0 AND (n.kind = 'task' OR (n.kind = 'cached' AND ${state} = 5))))
       ORDER BY 1, 2;`,
    `INSERT INTO Artifact (id, type_id, uri, state, name, external_id, create_time_since_epoch, last_update_time_since_epoch)
       SELECT runs.art_base + o.i, o.type_id, ${root} || '/' || t.task || '/' || ${uuid(ai, 60)} || '/' || o.out, 2, NULL, NULL,
         ${end.replace(/t\.k/g, 'o.k')} - 500, ${end.replace(/t\.k/g, 'o.k')} - 500
       FROM runs JOIN pipe USING (p) JOIN pout o USING (p) JOIN ptask t ON t.p = o.p AND t.k = o.k
       WHERE ${inBatch} ORDER BY 1;`,
    `INSERT INTO ArtifactProperty (artifact_id, name, is_custom_property, int_value, double_value, string_value, proto_value)
       SELECT runs.art_base + o.i, ap.name, ap.custom,
         CASE ap.kind WHEN 'zero' THEN 0 WHEN 'size' THEN 1024 + ${H(ai, 70)} % 2000000000 END,
         CASE ap.kind WHEN 'ratio' THEN round(0.5 + (${H(ai, 71)} % 500000) / 1000000.0, 6) WHEN 'loss' THEN round((${H(ai, 72)} % 3000000) / 1000000.0, 6) END,
         CASE ap.kind WHEN 'display' THEN o.out WHEN 'session' THEN ${sq(SESSION_INFO)} WHEN 'splits' THEN '["train", "eval"]'
           WHEN 'tfx' THEN '1.14.0' WHEN 'cmatrix' THEN ${pool('cmatrix', H(ai, 73))}
           WHEN 'framework' THEN CASE ${H(ai, 74)} % ${FRAMEWORKS.length} ${FRAMEWORKS.map((f, i) => `WHEN ${i} THEN '${f}'`).join(' ')} END END,
         CASE ap.kind WHEN 'proto' THEN (SELECT b FROM pool WHERE kind = 'proto' AND i = ${H(ai, 75)} % ${sizes.proto}) END
       FROM runs JOIN pout o USING (p) JOIN aprop ap ON ap.type_id = o.type_id
       WHERE ${inBatch} ORDER BY 1, 2, 3;`,
    `INSERT INTO Event (id, artifact_id, execution_id, type, milliseconds_since_epoch)
       SELECT runs.ev_base + e.e, runs.art_base + e.i, ${eid.replace('t.k', 'e.k')}, e.type,
         CASE e.type WHEN 4 THEN ${end.replace(/t\.k/g, 'e.k')} ELSE ${start.replace(/t\.k/g, 'e.k')} END
       FROM runs JOIN pev e USING (p) WHERE ${inBatch} ORDER BY 1;`,
    `INSERT INTO EventPath (event_id, is_index_step, step_index, step_key)
       SELECT runs.ev_base + e.e, 0, NULL, e.step FROM runs JOIN pev e USING (p) WHERE ${inBatch} ORDER BY 1;`,
    `INSERT INTO Association (context_id, execution_id)
       SELECT CASE c.n WHEN 0 THEN runs.pctx ELSE runs.ctx_id END, ${eid}
       FROM runs JOIN ptask t USING (p) JOIN (SELECT 0 AS n UNION ALL SELECT 1) c
       WHERE ${inBatch} ORDER BY ${eid}, c.n;`,
    `INSERT INTO Attribution (context_id, artifact_id)
       SELECT CASE c2.n WHEN 0 THEN runs.pctx ELSE runs.ctx_id END, runs.art_base + o.i
       FROM runs JOIN pout o USING (p) JOIN (SELECT 0 AS n UNION ALL SELECT 1) c2
       WHERE ${inBatch} ORDER BY runs.art_base + o.i, c2.n;`,
    `DELETE FROM runs WHERE ${inBatch};`,
    'COMMIT;',
  ];
  return stmts.join('\n');
}

// ---------------------------------------------------------------------------------------------
// A sqlite3 shell driven over stdin; each exec() waits for a marker line.

/** @param {string} file @param {string[]} [extraArgs] */
function openShell(file, extraArgs = []) {
  const child = spawn('sqlite3', ['-batch', '-bail', ...extraArgs, file], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  /** @type {{ marker: string, resolve: (lines: string[]) => void, reject: (err: Error) => void } | undefined} */
  let waiter;
  /** @type {string | null} */
  let exited = null;
  const settle = () => {
    if (!waiter) return;
    const at = out.indexOf(waiter.marker);
    if (at >= 0) {
      const lines = out.slice(0, at).split('\n').filter(Boolean);
      out = out.slice(at + waiter.marker.length + 1);
      const w = waiter;
      waiter = undefined;
      w.resolve(lines);
    } else if (exited) {
      const w = waiter;
      waiter = undefined;
      w.reject(new Error(`sqlite3 ${file} exited (${exited}): ${err.trim()}`));
    }
  };
  child.stdout.setEncoding('utf8').on('data', (d) => {
    out += d;
    settle();
  });
  child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
  const closed = new Promise((resolve) =>
    child.on('close', (code, sig) => {
      exited = `code ${code}, signal ${sig}`;
      settle();
      resolve({ code, err });
    }),
  );
  child.on('error', (e) => {
    exited = e.message;
    settle();
  });
  child.stdin.on('error', () => undefined);
  let n = 0;
  return {
    /** @param {string} sql @returns {Promise<string[]>} the lines it printed */
    exec(sql) {
      const marker = `--mlmd-gen-done-${++n}--`;
      return new Promise((resolve, reject) => {
        waiter = { marker, resolve, reject };
        child.stdin.write(`${sql}\nSELECT '${marker}';\n`);
      });
    },
    async close() {
      child.stdin.end();
      const { code } = await closed;
      if (code !== 0) throw new Error(`sqlite3 ${file} failed (${code}): ${err.trim()}`);
    },
  };
}

/**
 * Runs one sqlite3 command line and returns stdout; throws with stderr on failure.
 * @param {string[]} args @param {string} [input]
 */
function sqlite(args, input) {
  const res = spawnSync('sqlite3', ['-batch', ...args], { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`sqlite3 ${args.slice(0, 2).join(' ')} failed (${res.status}): ${res.stderr.trim()}`);
  return res.stdout;
}

const SIZE_SQL = 'SELECT (SELECT page_count FROM pragma_page_count()) * (SELECT page_size FROM pragma_page_size());';

// ---------------------------------------------------------------------------------------------
// The API.

/**
 * Creates an MLMD database of about targetBytes at file (replacing it).
 * journalMode 'wal' leaves the file in WAL mode; with keepWal the last runs stay in a -wal file
 * beside it (committed, never checkpointed: sqlite3's no_ckpt_on_close), as on a live pod.
 * @param {string} file
 * @param {{ targetBytes?: number, seed?: number, journalMode?: 'delete' | 'wal', keepWal?: boolean, cache?: boolean }} [options]
 * @returns {Promise<{ bytes: number, walBytes: number, runs: number, rowCounts: Record<string, number>, schemaVersion: number, seconds: number }>}
 */
export async function createMlmdDatabase(file, { targetBytes = DEFAULT_TEST_BYTES, seed = 1, journalMode = 'delete', keepWal = false, cache = true } = {}) {
  if (keepWal && journalMode !== 'wal') throw new Error("keepWal needs journalMode 'wal'");
  if (!cache) return buildMlmdDatabase(file, { targetBytes, seed, journalMode, keepWal });
  const started = Date.now();
  // The build is deterministic for the same options (cache: false proves it): built once per
  // process, then copied.
  const key = JSON.stringify([targetBytes, seed, journalMode, keepWal]);
  let template = templates.get(key);
  if (!template) {
    templatesDir ??= mkdtempSync(path.join(os.tmpdir(), 'mlmd-templates-'));
    const built = path.join(templatesDir, `${templates.size}.db`);
    template = buildMlmdDatabase(built, { targetBytes, seed, journalMode, keepWal }).then((info) => ({ file: built, info }));
    templates.set(key, template);
  }
  const { file: built, info } = await template;
  for (const suffix of SUFFIXES) {
    rmSync(file + suffix, { force: true });
    if (existsSync(built + suffix)) copyFileSync(built + suffix, file + suffix);
  }
  return { ...info, rowCounts: { ...info.rowCounts }, seconds: (Date.now() - started) / 1000 };
}

const SUFFIXES = ['', '-wal', '-shm', '-journal'];
/** @type {Map<string, Promise<{ file: string, info: Awaited<ReturnType<typeof buildMlmdDatabase>> }>>} */
const templates = new Map();
/** @type {string | undefined} */
let templatesDir;

/**
 * Removes the folder of built templates and forgets them (a later cached build starts a new one).
 * A plain node process does this at exit. Under jest the module sees a copy of process whose 'exit'
 * never fires, so it is registered as an afterAll of each test file that loads this module (jest's
 * module registry is per file, and so is this cache).
 */
export function removeMlmdTemplates() {
  if (templatesDir) rmSync(templatesDir, { recursive: true, force: true });
  templatesDir = undefined;
  templates.clear();
}
process.once('exit', removeMlmdTemplates);
const jestAfterAll = /** @type {{ afterAll?: (fn: () => void) => void }} */ (globalThis).afterAll;
if (typeof jestAfterAll === 'function') jestAfterAll(removeMlmdTemplates);

/**
 * @param {string} file
 * @param {{ targetBytes: number, seed: number, journalMode: 'delete' | 'wal', keepWal: boolean }} options
 */
async function buildMlmdDatabase(file, { targetBytes, seed, journalMode, keepWal }) {
  const started = Date.now();
  for (const suffix of SUFFIXES) rmSync(file + suffix, { force: true });
  const schema = readFileSync(path.join(MLMD_VECTORS, 'mlmd-sqlite-schema.sql'), 'utf8');
  const sample = readFileSync(path.join(MLMD_VECTORS, 'mlmd-sample-rows.sql'), 'utf8');
  const { sql: setup, sizes } = setupSql(seed);

  // With keepWal, the last few runs go into the WAL: about 2% of the size, at most 4 MiB of rows
  // (the -wal is larger: every page a commit touches is a whole frame, and the indexes touch many).
  const walTarget = keepWal ? Math.min(4 * 1024 * 1024, Math.max(256 * 1024, Math.round(targetBytes * 0.02))) : 0;
  const mainTarget = targetBytes - walTarget;

  const shell = openShell(file);
  let runs = 0;
  try {
    await shell.exec('PRAGMA journal_mode=OFF;\nPRAGMA synchronous=OFF;\nPRAGMA cache_size=-65536;\nPRAGMA temp_store=MEMORY;');
    await shell.exec(`${schema}\n${sample}\n${setup}`);
    let size = Number((await shell.exec(SIZE_SQL))[0]);
    // A first batch measures bytes per run; each later batch covers 85% of what is left (at the
    // latest rate), so the size closes on the target in a few steps without overshooting by much.
    // Batch sizes depend only on sizes, so the counts are the same for the same seed and target.
    let batch = 100;
    let perRun = 15_000; // about right for these pipelines; measured after the first batch
    while (size < mainTarget) {
      await shell.exec(batchSql(runs + 1, runs + batch, seed, sizes));
      runs += batch;
      const before = size;
      size = Number((await shell.exec(SIZE_SQL))[0]);
      perRun = Math.max(1, (size - before) / batch);
      batch = Math.max(5, Math.min(40_000, Math.ceil((0.85 * (mainTarget - size)) / perRun)));
    }
    if (journalMode === 'wal') {
      await shell.exec('PRAGMA journal_mode=WAL;\nPRAGMA synchronous=NORMAL;');
      if (keepWal) {
        await shell.exec('PRAGMA wal_autocheckpoint=0;\n.dbconfig no_ckpt_on_close on');
        const walRuns = Math.max(5, Math.ceil(walTarget / perRun / 2));
        await shell.exec(batchSql(runs + 1, runs + walRuns, seed, sizes));
        runs += walRuns;
      }
    } else {
      await shell.exec('PRAGMA journal_mode=DELETE;');
    }
  } catch (err) {
    await shell.close().catch(() => undefined);
    throw err;
  }
  await shell.close();
  if (keepWal && !(existsSync(`${file}-wal`) && statSync(`${file}-wal`).size > 0)) {
    throw new Error(`expected a non-empty ${file}-wal after the build`);
  }
  return {
    bytes: statSync(file).size,
    walBytes: existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0,
    runs,
    rowCounts: rowCounts(file),
    schemaVersion: schemaVersion(file),
    seconds: (Date.now() - started) / 1000,
  };
}

/**
 * Row counts of every table but SQLite's own, by name (reads the -wal too).
 * @param {string} file
 * @returns {Record<string, number>}
 */
export function rowCounts(file) {
  const tables = sqlite(['-readonly', file, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name;"])
    .split('\n')
    .filter(Boolean);
  if (!tables.length) return {};
  const sql = tables.map((t) => `SELECT '${t}', count(*) FROM "${t}"`).join(' UNION ALL ') + ';';
  /** @type {Record<string, number>} */
  const counts = {};
  for (const line of sqlite(['-readonly', file, sql]).split('\n').filter(Boolean)) {
    const [name, n] = line.split('|');
    counts[name] = Number(n);
  }
  return counts;
}

/** @param {string} file */
export function schemaVersion(file) {
  return Number(sqlite(['-readonly', file, 'SELECT schema_version FROM MLMDEnv;']).trim());
}

/**
 * PRAGMA integrity_check's lines: ['ok'] for a sound file.
 * @param {string} file
 * @returns {string[]}
 */
export function integrityCheck(file) {
  const res = spawnSync('sqlite3', ['-batch', '-readonly', file, 'PRAGMA integrity_check;'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const lines = res.stdout.split('\n').filter(Boolean);
  if (res.status !== 0) lines.push(res.stderr.trim());
  return lines;
}

/**
 * Damages one index page in place: an entry of idx_type_name (a single-page index) gets a
 * different key, so the file still opens and every table reads, but PRAGMA integrity_check
 * reports the index out of step with its table.
 * @param {string} file
 */
export function corruptDatabase(file) {
  const [pageSize, rootpage] = sqlite([
    '-readonly',
    file,
    "SELECT (SELECT page_size FROM pragma_page_size()), rootpage FROM sqlite_schema WHERE name = 'idx_type_name';",
  ])
    .trim()
    .split('|')
    .map(Number);
  const fd = openSync(file, 'r+');
  try {
    const page = Buffer.alloc(pageSize);
    readSync(fd, page, 0, pageSize, (rootpage - 1) * pageSize);
    const at = page.indexOf('system.PipelineRun');
    if (at < 0) throw new Error(`idx_type_name's page ${rootpage} does not hold 'system.PipelineRun'`);
    page.write('zystem', at, 'latin1'); // same length, wrong order, no matching table row
    writeSync(fd, page, 0, pageSize, (rootpage - 1) * pageSize);
  } finally {
    closeSync(fd);
  }
}
