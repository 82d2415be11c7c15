// The workflow harness (test/harness) against small fixture workflows and actions
// (test/fixtures/harness), not the real actions.
import { afterAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ArtifactStore,
  HarnessError,
  jobOrder,
  Repository,
  parseFileCommand,
  runnerTimings,
  runWorkflow,
  type LogLine,
  type RunWorkflowOptions,
  type StubCall,
} from '../harness/index.js';
import { isAlive } from '../support/procs.js';
import { must } from '../support/must.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/harness');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'harness-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// The harness must not pass its own environment on: this is not in the test's env.
process.env.HARNESS_LEAK = 'leaked';
const base = { repoRoot: fixtures, env: { PATH: process.env.PATH, HOME: scratch } } satisfies Partial<RunWorkflowOptions>;

/** Alive and not a zombie (a container's PID 1 may not reap orphans). */
function running(pid: number): boolean {
  try {
    return isAlive(pid) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function run(workflow: string, options: Partial<RunWorkflowOptions> = {}) {
  return runWorkflow({ ...base, workflow: `workflows/${workflow}`, ...options });
}

/** Writes a one-off workflow and returns its path. */
function workflowFile(name: string, text: string): string {
  const file = path.join(scratch, `${name}.yml`);
  writeFileSync(file, text);
  return file;
}

describe('jobs', () => {
  test('run in needs order; needs outputs flow into with:, toJSON(needs), env, GITHUB_ENV/PATH, multiline outputs', async () => {
    const lines: LogLine[] = [];
    const result = await run('flow.yml', {
      inputs: { who: 'harness', count: '3' },
      github: { run_id: '4242', run_attempt: '2', repository: 'acme/backups', token: 'ghs_token' },
      stubs: { 'actions/setup-node': () => ({}) },
      onLog: (line) => lines.push(line),
    });
    expect(result.result).toBe('success');
    expect(result.order).toEqual(['plan', 'greet', 'report']);

    // workflow_dispatch inputs: given strings coerced to the declared types, defaults for the rest.
    expect(result.jobs.plan.outputs).toEqual({ greeting: 'hello harness x3', loud: 'false' });

    const greet = result.jobs.greet;
    expect(greet.outputs).toEqual({
      message: 'hello harness x3!',
      notes: 'first line\nsecond line: hello harness x3',
      'from-env': 'set by echo',
      upper: 'QUIET',
    });
    const echo = greet.steps[0];
    expect(echo.steps?.map((s) => [s.id, s.outcome])).toEqual([
      ['node', 'success'],
      ['__actions_setup-node', expect.any(String)],
      ['run', 'success'],
    ]);
    expect(echo.stdout).toContain('echo: hello harness x3! (token set)');
    expect(greet.steps[1].stdout).toContain('level=step workflow=from-workflow from-action=set by echo');
    expect(greet.steps[1].stdout).toContain('runner=Linux job=greet run=4242 attempt=2 repo=acme/backups');
    expect(greet.steps[3].stdout).toBe('tool ran\n');
    expect(greet.summary).toBe('### echo\nhello harness x3!\n');
    expect(result.summary).toBe(greet.summary);

    const report = result.jobs.report.steps[0];
    expect(JSON.parse(report.outputs.json)).toEqual({
      greet: { result: 'success', outputs: greet.outputs },
      plan: { result: 'success', outputs: { greeting: 'hello harness x3', loud: 'false' } },
    });
    expect(report.stdout).toContain('leak=unset');
    expect(lines).toContainEqual({
      job: 'greet',
      step: 'echo',
      stepName: 'Run ./actions/echo',
      actionStep: 'run',
      stream: 'stdout',
      line: 'echo: hello harness x3! (token set)',
    });
  });

  test('a failed job: failure() steps, always() jobs see needs.x.result, skipped jobs and their dependants', async () => {
    const result = await run('failure.yml');
    expect(result.result).toBe('failure');
    const results = Object.fromEntries(Object.entries(result.jobs).map(([id, job]) => [id, job.result]));
    expect(results).toEqual({
      build: 'failure',
      deploy: 'skipped',
      cleanup: 'success',
      notify: 'success',
      'on-failure': 'success',
      'only-on-push': 'skipped',
      'after-skipped': 'skipped',
    });
    const build = result.jobs.build.steps;
    expect(build.map((s) => [s.outcome, s.conclusion])).toEqual([
      ['success', 'success'],
      ['failure', 'success'],
      ['failure', 'failure'],
      ['skipped', 'skipped'],
      ['success', 'success'],
    ]);
    expect(build[4].stdout).toBe('handled, soft=failure/success job=failure\n');
    expect(result.jobs.cleanup.steps[0].stdout).toBe('build=failure\n');
    expect(result.jobs.notify.steps[0].stdout).toBe('deploy=skipped\n');
    expect(result.jobs.deploy.steps).toEqual([]);
  });

  test('a cycle or an unknown need is an error', async () => {
    expect(() => jobOrder({ a: { needs: 'b' }, b: { needs: ['a'] }, c: {} })).toThrow(/needs of jobs a, b form a cycle/);
    const file = workflowFile('unknown-need', 'on: workflow_dispatch\njobs:\n  a:\n    needs: nope\n    steps: [{ run: echo }]\n');
    await expect(runWorkflow({ ...base, workflow: file })).rejects.toThrow(/job a needs 'nope', which is not a job/);
  });
});

describe('composite actions', () => {
  const secrets = { token: 'super-secret' };

  test('step if: fromJSON(steps.node.outputs.major) < 24 runs the (stubbed) setup-node only on old Node.js', async () => {
    const calls: StubCall[] = [];
    const stubs = { 'actions/setup-node@v6': (call: StubCall) => void calls.push(call) };

    const old = await run('composite.yml', { event: 'workflow_call', inputs: { major: 20 }, secrets, stubs });
    expect(old.result).toBe('success');
    const [check, setup, greet] = must(old.jobs.use.steps[0].steps, 'old.jobs.use.steps[0].steps');
    expect(check.outputs).toEqual({ major: '20' });
    expect(setup).toMatchObject({ outcome: 'success', notes: ["actions/setup-node@v6 replaced by the test's stub"] });
    expect(calls.map((c) => c.inputs)).toEqual([{ 'node-version': '24' }]);
    // A default input that is an expression, and one from the caller's typed input.
    expect(greet.stdout).toBe('echo: hi from octo-org/octo-repo! (token empty)\n');
    expect(old.jobs.use.outputs).toEqual({ major: '20' });
    expect(old.jobs.use.notes).toEqual(["Skip output 'leak' since it may contain secret."]);

    const current = await run('composite.yml', { event: 'workflow_call', inputs: { major: 24 }, secrets, stubs });
    expect(must(current.jobs.use.steps[0].steps, 'current.jobs.use.steps[0].steps')[1]).toMatchObject({ outcome: 'skipped', notes: [] });
    expect(calls).toHaveLength(1);

    // Without a stub, a remote action is not run: skipped, with a note.
    const unstubbed = await run('composite.yml', { event: 'workflow_call', inputs: { major: 20 }, secrets });
    expect(must(unstubbed.jobs.use.steps[0].steps, 'unstubbed.jobs.use.steps[0].steps')[1]).toMatchObject({
      outcome: 'skipped',
      notes: [expect.stringMatching(/not run: the harness does not run remote actions/)],
    });
  });

  test('workflow_call inputs and secrets are typed and checked as GitHub does', async () => {
    const call = (inputs: Record<string, string | number | boolean>, given = secrets) =>
      run('composite.yml', { event: 'workflow_call', inputs, secrets: given });
    await expect(call({ major: '20' })).rejects.toThrow(/input major is a number; "20" is not/);
    await expect(call({})).rejects.toThrow(/Input required and not supplied: major/);
    await expect(call({ major: 20, extra: 'x' })).rejects.toThrow(/Unexpected input 'extra'/);
    await expect(call({ major: 20 }, {} as typeof secrets)).rejects.toThrow(/Secret token is required/);
    await expect(run('composite.yml', { inputs: { major: 20 }, secrets })).rejects.toThrow(/no workflow_dispatch trigger/);
  });
});

describe('timeouts and cancellation', () => {
  test('the runner waits 7.5 s after SIGINT and 2.5 s after SIGTERM', () => {
    expect(runnerTimings).toMatchObject({ sigintMs: 7500, sigtermMs: 2500 });
  });

  test('timeout-minutes: SIGINT, SIGTERM, then the step process group is killed', async () => {
    const started = Date.now();
    const result = await run('timeout.yml', { killTimings: { sigintMs: 300, sigtermMs: 300 } });
    const [sleepy, after] = result.jobs.slow.steps;
    expect(sleepy).toMatchObject({ outcome: 'failure', conclusion: 'failure', signals: ['SIGINT', 'SIGTERM', 'SIGKILL'] });
    expect(sleepy.notes).toContain('The action has timed out.');
    const child = Number(must(/child=(\d+)/.exec(sleepy.stdout), '/child=(\\d+)/.exec(sleepy.stdout)')[1]);
    expect(running(child)).toBe(false);
    expect(after.stdout).toBe('after, job=failure\n');
    expect(result.jobs.slow.result).toBe('failure');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test("a job's time limit (timeout-minutes, 360 by default) cancels it, scaled by jobMinuteMs; a job after it sees cancelled", async () => {
    const file = workflowFile(
      'job-limit',
      `on: workflow_dispatch
jobs:
  long:
    runs-on: ubuntu-latest
    steps:
      - run: echo started; exec sleep 30
      - if: always()
        run: echo always after the limit
  short:
    runs-on: ubuntu-latest
    timeout-minutes: 600
    steps:
      - run: echo quick
  next:
    needs: long
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: echo "long=\${{ needs.long.result }}"
`,
    );
    const started = Date.now();
    // 6 hours in 0.36 s
    const result = await runWorkflow({ ...base, workflow: file, jobMinuteMs: 1, killTimings: { sigintMs: 200, sigtermMs: 200 } });
    expect(result.jobs.long.result).toBe('cancelled');
    expect(result.jobs.long.notes).toContain('The job running on runner workflow-harness has exceeded the maximum execution time of 360 minutes.');
    expect(result.jobs.long.steps.map((s) => s.outcome)).toEqual(['cancelled', 'success']);
    expect(result.jobs.long.steps[1].stdout).toBe('always after the limit\n');
    expect(result.jobs.short.result).toBe('success');
    expect(result.jobs.next.steps[0].stdout).toBe('long=cancelled\n');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  const cancelWays = {
    'an AbortSignal': (controller: AbortController): Partial<RunWorkflowOptions> => ({
      signal: controller.signal,
      onLog: (line) => line.line === 'ready' && controller.abort(),
    }),
    'a cancelWhen hook': (): Partial<RunWorkflowOptions> => ({ cancelWhen: { job: 'work', step: 'wait', line: /^ready$/ } }),
  };

  test.each(Object.keys(cancelWays))('cancelling with %s sends SIGINT; then only always() and cancelled() run', async (way) => {
    const marker = path.join(scratch, `marker-${way.replace(/\W/g, '')}`);
    const started = Date.now();
    const result = await run('cancel.yml', { inputs: { marker }, ...cancelWays[way as keyof typeof cancelWays](new AbortController()) });
    expect(readFileSync(marker, 'utf8')).toBe('SIGINT\n');
    expect(result.result).toBe('cancelled');

    const work = result.jobs.work;
    expect(work.result).toBe('cancelled');
    expect(work.steps.map((s) => [s.name, s.outcome])).toEqual([
      ['Run ./actions/sigint', 'cancelled'],
      ['Default condition', 'skipped'],
      ['Always', 'success'],
      ['On cancellation', 'success'],
    ]);
    expect(work.steps[0]).toMatchObject({ signals: ['SIGINT'] });
    expect(work.steps[0].stdout).toBe('ready\ngot SIGINT, cleaning up\n');
    expect(work.steps[2].stdout).toBe('always ran, job=cancelled\n');

    expect(result.jobs.report.result).toBe('skipped');
    expect(result.jobs.cleanup.result).toBe('success');
    expect(result.jobs.cleanup.steps[0].stdout).toBe('work=cancelled\n');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('errors', () => {
  const oneStep = (field: string) => `on: workflow_dispatch\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - ${field}\n`;
  const cases: [string, string, RegExp][] = [
    [
      'unknown context',
      'run: echo ${{ foo.bar }}',
      /job a, step "Run echo \$\{\{ foo.bar }}" run: Unrecognized named-value: 'foo'.*contexts available here: github, inputs, vars, needs, secrets, steps, job, runner, env/,
    ],
    ['unknown function', 'run: echo ${{ nope(1) }}', /Unrecognized function: 'nope'/],
    ['hashFiles', "run: echo ${{ hashFiles('x') }}", /'hashfiles' is valid here on GitHub, but the workflow harness does not emulate it/],
    ['matrix', 'run: echo ${{ matrix.os }}', /'matrix' is valid here on GitHub, but the workflow harness does not emulate it/],
    ['secrets in if', "if: secrets.x != ''\n        run: echo", /Unrecognized named-value: 'secrets'/],
    ['status function outside if', 'run: echo ${{ success() }}', /Unrecognized function: 'success'/],
    ['unsupported shell', 'shell: pwsh\n        run: echo', /shell 'pwsh' is not supported/],
  ];
  test.each(cases)('%s', async (name, field, message) => {
    const file = workflowFile(name.replace(/\W/g, '-'), oneStep(field));
    const error = await runWorkflow({ ...base, workflow: file }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HarnessError);
    expect((error as Error).message).toMatch(message);
  });

  test('a runtime expression error fails the step, not the run', async () => {
    const file = workflowFile('runtime', oneStep("if: fromJSON('') == 1\n        run: echo"));
    const result = await runWorkflow({ ...base, workflow: file });
    expect(result.jobs.a.steps[0]).toMatchObject({ outcome: 'failure', notes: ['empty input'] });
  });

  test("a call of another repository's workflow that options.remotes does not map fails naming it", async () => {
    const file = workflowFile('call', 'on: workflow_dispatch\njobs:\n  a:\n    uses: acme/lib/.github/workflows/x.yml@v1\n');
    await expect(runWorkflow({ ...base, workflow: file })).rejects.toThrow(
      'job a: uses acme/lib/.github/workflows/x.yml@v1, but options.remotes has no acme/lib@v1',
    );
  });
});

describe('artifacts (actions/upload-artifact and download-artifact over an ArtifactStore)', () => {
  const file = () =>
    workflowFile(
      'artifacts',
      `on: workflow_dispatch
jobs:
  make:
    runs-on: ubuntu-latest
    steps:
      - run: |
          mkdir -p "$RUNNER_TEMP/out/sub" && echo '{"n": 1}' > "$RUNNER_TEMP/record.json" && echo deep > "$RUNNER_TEMP/out/sub/x.txt"
      - uses: actions/upload-artifact@v6
        with:
          name: record
          path: \${{ runner.temp }}/record.json
      - uses: actions/upload-artifact@v6
        with:
          name: tree
          path: \${{ runner.temp }}/out
  use:
    needs: make
    runs-on: ubuntu-latest
    steps:
      - id: get
        uses: actions/download-artifact@v5
        with:
          name: record
          path: \${{ runner.temp }}
      - uses: actions/download-artifact@v5
        with:
          name: tree
          path: \${{ runner.temp }}/tree
      - run: cat "$RUNNER_TEMP/record.json" "$RUNNER_TEMP/tree/sub/x.txt"
  again:
    needs: make
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo '{"n": 2}' > "$RUNNER_TEMP/record.json"
      - uses: actions/upload-artifact@v6
        with:
          name: record
          path: \${{ runner.temp }}/record.json
  overwrite:
    needs: again
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo '{"n": 3}' > "$RUNNER_TEMP/record.json"
      - uses: actions/upload-artifact@v6
        with:
          name: record
          path: \${{ runner.temp }}/record.json
          overwrite: true
  missing:
    needs: make
    runs-on: ubuntu-latest
    steps:
      - uses: actions/download-artifact@v5
        with:
          name: nothing-by-this-name
`,
    );

  test("one job's file reaches another; a name is taken once per run unless overwrite; a missing name fails", async () => {
    const store = new ArtifactStore();
    const result = await runWorkflow({ ...base, workflow: file(), stubs: store.stubs(), github: { run_id: '77' } });
    expect(result.jobs.make.result).toBe('success');
    expect(result.jobs.use.result).toBe('success');
    expect(result.jobs.use.steps[2].stdout).toBe('{"n": 1}\ndeep\n');
    expect(result.jobs.use.steps[0].outputs['download-path']).toMatch(/\S/);
    expect(result.jobs.again.result).toBe('failure');
    expect(result.jobs.again.steps[1].stderr).toContain('(409) Conflict: an artifact with this name already exists on the workflow run');
    expect(result.jobs.overwrite.result).toBe('success');
    expect(result.jobs.missing.result).toBe('failure');
    expect(result.jobs.missing.steps[0].stderr).toContain('Artifact not found for name: nothing-by-this-name');
    expect(store.artifacts('77')).toEqual({ record: { 'record.json': '{"n": 3}\n' }, tree: { 'sub/x.txt': 'deep\n' } });
    // Another run does not see them.
    expect(store.artifacts('78')).toEqual({});
  });
});

describe('reusable workflows', () => {
  test("another repository's workflow at a ref: with:, secrets:, its outputs in needs, and $/ in its own repository", async () => {
    const lib = path.join(scratch, 'lib');
    mkdirSync(path.join(lib, '.github', 'workflows'), { recursive: true });
    mkdirSync(path.join(lib, 'greet'), { recursive: true });
    writeFileSync(
      path.join(lib, 'greet', 'action.yml'),
      'name: greet\ndescription: d\ninputs:\n  who: { required: true }\noutputs:\n  text: { value: "${{ steps.s.outputs.text }}" }\nruns:\n  using: composite\n  steps:\n    - id: s\n      shell: bash\n      run: echo "text=hello $WHO" >> "$GITHUB_OUTPUT"\n      env: { WHO: "${{ inputs.who }}" }\n',
    );
    writeFileSync(
      path.join(lib, '.github', 'workflows', 'greet.yml'),
      [
        'on:',
        '  workflow_call:',
        '    inputs: { who: { type: string, required: true }, n: { type: number, default: 1 } }',
        '    secrets: { TOKEN: { required: true } }',
        '    outputs: { greeting: { value: "${{ jobs.greet.outputs.text }} x${{ inputs.n }}" } }',
        'jobs:',
        '  greet:',
        '    runs-on: x',
        '    outputs: { text: "${{ steps.g.outputs.text }}" }',
        '    steps:',
        '      - run: test -n "$TOKEN"',
        '        env: { TOKEN: "${{ secrets.TOKEN }}" }',
        '      - id: g',
        '        uses: $/greet',
        '        with: { who: "${{ inputs.who }} of ${{ github.repository }}" }',
        '',
      ].join('\n'),
    );
    const caller = workflowFile(
      'caller',
      [
        'on: workflow_dispatch',
        'jobs:',
        '  call:',
        '    uses: acme/lib/.github/workflows/greet.yml@v2',
        '    with: { who: world, n: 3 }',
        '    secrets: { TOKEN: "${{ secrets.MY_TOKEN }}" }',
        '  after:',
        '    needs: call',
        '    runs-on: x',
        '    steps:',
        '      - run: echo "got $G"',
        '        env: { G: "${{ needs.call.outputs.greeting }}" }',
        '',
      ].join('\n'),
    );
    const result = await runWorkflow({
      ...base,
      workflow: caller,
      remotes: { 'acme/lib@v2': lib },
      secrets: { MY_TOKEN: 't0k' },
      github: { repository: 'acme/app' },
    });
    expect(result.result).toBe('success');
    expect(result.jobs.call.outputs).toEqual({ greeting: 'hello world of acme/app x3' });
    expect(result.jobs.call.called?.jobs.greet.result).toBe('success');
    expect(result.jobs.after.steps[0].stdout).toContain('got hello world of acme/app x3');
    // Without the secret it requires, the call fails before any job runs.
    await expect(runWorkflow({ ...base, workflow: caller, remotes: { 'acme/lib@v2': lib } })).rejects.toThrow('Secret TOKEN is required, but not provided');
  });
});

describe('runs that overlap: concurrency groups and reviews (a shared Repository)', () => {
  /** A backup job, then a retention job behind a protected environment; concurrency where asked. */
  const nightly = (name: string, { workflowGroup, jobGroups }: { workflowGroup?: boolean; jobGroups?: boolean }) =>
    workflowFile(
      name,
      [
        'on: { workflow_dispatch: { inputs: { model: { type: string } } } }',
        ...(workflowGroup ? ["concurrency: nightly-${{ inputs.model || 'kubeflow' }}"] : []),
        'jobs:',
        '  backup:',
        '    runs-on: ubuntu-latest',
        ...(jobGroups ? ['    concurrency: nightly-backup'] : []),
        '    steps:',
        '      - run: echo backed up',
        '  retention:',
        '    needs: backup',
        '    runs-on: ubuntu-latest',
        ...(jobGroups ? ['    concurrency: { group: nightly-retention, cancel-in-progress: false }'] : []),
        '    environment: { name: retention }',
        '    steps:',
        '      - run: echo pruned',
        '',
      ].join('\n'),
    );
  const start = (file: string, repository: Repository, runId: string) =>
    runWorkflow({ ...base, workflow: file, repository, github: { run_id: runId }, killTimings: { sigintMs: 200, sigtermMs: 200, streamsMs: 200 } });
  const until = async (done: () => boolean) => {
    for (const end = Date.now() + 20_000; !done(); await new Promise((r) => setTimeout(r, 20))) if (Date.now() > end) throw new Error('never');
  };

  test("a workflow-level group held by a job waiting for a reviewer holds back the next run's backup (the deadlock)", async () => {
    const repository = new Repository({ protectedEnvironments: ['retention'] });
    const file = nightly('deadlock', { workflowGroup: true });
    const first = start(file, repository, '1');
    await repository.whenWaiting('1', 'retention');
    const second = start(file, repository, '2');
    await until(() => repository.events.includes('run 2: pending on nightly-kubeflow (held by run 1)'));
    // A third night replaces the second while it is pending: GitHub keeps one pending per group.
    const third = start(file, repository, '3');
    expect((await second).result).toBe('cancelled');
    repository.approve('1', 'retention');
    expect((await first).jobs.retention.result).toBe('success');
    await repository.whenWaiting('3', 'retention');
    repository.reject('3', 'retention');
    const last = await third;
    expect(last.jobs.backup.result).toBe('success');
    expect(last.jobs.retention).toMatchObject({ result: 'failure', notes: ['the review of environment retention was rejected'] });
  });

  test("job-level groups: the waiting retention holds only its own group, and the next run's backup runs", async () => {
    const repository = new Repository({ protectedEnvironments: ['retention'] });
    const file = nightly('jobs', { jobGroups: true });
    const first = start(file, repository, '1');
    await repository.whenWaiting('1', 'retention');
    const second = start(file, repository, '2');
    await until(() => repository.events.includes('run 2 job retention: pending on nightly-retention (held by run 1 job retention)'));
    expect(repository.events).toContain('run 2 job backup: releases nightly-backup');
    repository.approve('1', 'retention');
    await repository.whenWaiting('2', 'retention');
    repository.approve('2', 'retention');
    expect([(await first).result, (await second).result]).toEqual(['success', 'success']);
  });

  test('cancel-in-progress cancels the job that holds the group', async () => {
    const repository = new Repository();
    const holder = (name: string, script: string) =>
      workflowFile(
        name,
        [
          'on: workflow_dispatch',
          'jobs:',
          '  long:',
          '    runs-on: ubuntu-latest',
          '    concurrency: { group: one, cancel-in-progress: true }',
          '    steps:',
          `      - run: ${script}`,
          '',
        ].join('\n'),
      );
    const first = start(holder('in-progress', 'sleep 30'), repository, '1');
    await until(() => repository.events.includes('run 1 job long: holds one'));
    const second = start(holder('newer', 'echo newer'), repository, '2');
    expect((await first).jobs.long.result).toBe('cancelled');
    expect((await second).jobs.long.result).toBe('success');
    expect(repository.events).toContain("run 1 job long: cancelled (Canceling since a higher priority waiting request for 'one' exists)");
  });
});

test('GITHUB_OUTPUT parsing: name=value and name<<DELIMITER', () => {
  expect(parseFileCommand('a=1\nb=x=y\nm<<EOF\nline 1\n\nline 3\nEOF\n', 'GITHUB_OUTPUT')).toEqual({ a: '1', b: 'x=y', m: 'line 1\n\nline 3' });
  expect(() => parseFileCommand('m<<EOF\nnever closed\n', 'GITHUB_OUTPUT')).toThrow(/matching delimiter 'EOF' not found/);
  expect(existsSync(fixtures)).toBe(true);
});
