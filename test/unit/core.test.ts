import { describe, expect, jest, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ActionError,
  CancelledError,
  Grace,
  Inputs,
  InputError,
  JobSummary,
  TimeoutError,
  isBandwidth,
  isBucketName,
  isEndpoint,
  isKeyPrefix,
  poll,
  putBack,
  redact,
  registerSecret,
  retry,
  actionsRunner,
  newReport,
  runAction,
  runProcess,
  utcStamp,
  type ActionRun,
  type Logger,
  type Report,
  type Status,
} from '@ml-backup-actions/core';

/** The smallest action: no inputs, no clients, main as given; its runner core's own, with the log in memory. */
function demo(main: (run: ActionRun<object, object, Report>) => Promise<Status | void>) {
  return { name: 'demo', config: () => ({}), report: () => newReport({}), clients: () => ({}), summary: () => new JobSummary('demo'), main };
}
const inMemory = (log: Logger) => ({ ...actionsRunner, log });

function memoryLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info ${m}`),
    notice: (m) => lines.push(`notice ${m}`),
    warning: (m) => lines.push(`warning ${m}`),
    error: (m) => lines.push(`error ${m}`),
    debug: (m) => lines.push(`debug ${m}`),
    group: (_n, fn) => fn(),
  };
}

describe('Inputs', () => {
  const env = (vars: Record<string, string>) => Object.fromEntries(Object.entries(vars).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]));

  test('reads INPUT_* with hyphens kept, trims, and applies defaults', () => {
    const inputs = new Inputs(env({ 'dry-run': ' true ', transfers: '8' }));
    expect(inputs.boolean('dry-run', false)).toBe(true);
    expect(inputs.integer('transfers', { default: 4, min: 1, max: 64 })).toBe(8);
    expect(inputs.text('mode', { default: 'sync' })).toBe('sync');
    inputs.done();
  });

  test.each(['true', 'True', 'TRUE', 'false', 'False', 'FALSE'])('boolean accepts %s', (v) => {
    const inputs = new Inputs(env({ flag: v }));
    expect(inputs.boolean('flag', !v.toLowerCase().startsWith('t'))).toBe(v.toLowerCase() === 'true');
    inputs.done();
  });

  test('collects every problem, names each input and its accepted form, and never echoes a secret', () => {
    const inputs = new Inputs(env({ flag: 'yes', n: '-1', mode: 'mirror', key: 'sec\nret' }));
    inputs.boolean('flag', false);
    inputs.integer('n', { default: 1, min: 1, max: 5 });
    inputs.choice('mode', ['sync', 'copy'] as const, 'sync');
    inputs.secret('key');
    inputs.text('bucket', { required: true, form: 'a bucket name' });
    let error: unknown;
    try {
      inputs.done();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    const problems = (error as InputError).problems;
    expect(problems).toEqual([
      `Input 'flag' must be true or false; got "yes".`,
      `Input 'n' must be a whole number from 1 to 5; got "-1".`,
      `Input 'mode' must be one of sync, copy; got "mirror".`,
      `Input 'key' must be a single line (the value is not shown).`,
      `Input 'bucket' is required: a bucket name.`,
    ]);
    expect((error as Error).message).toContain('5 inputs are invalid');
  });
});

describe('accepted forms', () => {
  test.each([
    ['mlpipeline', true],
    ['backup-bucket-2024', true],
    ['a.b.c', true],
    ['ab', false],
    ['My-Bucket', false],
    ['with space', false],
    ['a..b', false],
    ['192.168.1.1', false],
    ['bucket;rm', false],
    ['-start', false],
  ])('bucket %j -> %s', (v, ok) => expect(isBucketName(v)).toBe(ok));

  test.each([
    ['mlpipeline', true],
    ['ckf/2026/mlmd', true],
    ['mlpipeline.archive/20261122T013045Z', true],
    ['../etc', false],
    ['a/./b', false],
    ['/leading', false],
    ['trailing/', false],
    ['a//b', false],
    ['$(id)', false],
    ['a b', false],
  ])('key prefix %j -> %s', (v, ok) => expect(isKeyPrefix(v)).toBe(ok));

  test.each([
    ['http://localhost:9000', true],
    ['https://s3.eu-central-1.amazonaws.com', true],
    ['http://[::1]:9000', true],
    ['localhost:9000', false],
    ['ftp://host', false],
    ['http://u:p@host', false],
    ['http://host/?x=1', false],
    ['http://host/$(id)', false],
  ])('endpoint %j -> %s', (v, ok) => expect(isEndpoint(v)).toBe(ok));

  test.each([
    ['20M', true],
    ['512k', true],
    ['1.5G', true],
    ['10M:100K', true],
    ['20 MB/s', false],
    ['-1M', false],
    ['fast', false],
  ])('bandwidth %j -> %s', (v, ok) => expect(isBandwidth(v)).toBe(ok));

  test('utcStamp has no characters a key prefix refuses', () => {
    const stamp = utcStamp(new Date(Date.UTC(2026, 10, 22, 1, 30, 45, 123)));
    expect(stamp).toBe('20261122T013045Z');
    expect(isKeyPrefix(`x/${stamp}`)).toBe(true);
  });
});

describe('retry', () => {
  test('stops after the given attempts, waits with jitter inside the exponential bound', async () => {
    const waits: number[] = [];
    const fn = jest.fn(async () => {
      throw new Error('503');
    });
    await expect(
      retry(fn, { label: 'call', attempts: 4, baseMs: 100, maxMs: 250, retryable: () => true, random: () => 0.999, sleep: async (ms) => void waits.push(ms) }),
    ).rejects.toThrow('503');
    expect(fn).toHaveBeenCalledTimes(4);
    expect(waits).toEqual([100, 200, 250]);
  });

  test('does not retry what is not retryable, and returns the first success', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error('400');
        },
        { label: 'x', attempts: 5, baseMs: 1, maxMs: 1, retryable: () => false, sleep: async () => undefined },
      ),
    ).rejects.toThrow('400');
    expect(calls).toBe(1);
    let n = 0;
    await expect(
      retry(
        async () => {
          if (++n < 3) throw new Error('again');
          return 'ok';
        },
        { label: 'x', attempts: 5, baseMs: 1, maxMs: 1, retryable: () => true, sleep: async () => undefined },
      ),
    ).resolves.toBe('ok');
  });
});

describe('poll', () => {
  test('prints progress at the interval and fails at the deadline with the last state', async () => {
    let now = 0;
    const log = memoryLog();
    await expect(
      poll({
        label: 'the backup',
        check: async () => undefined,
        intervalMs: 10_000,
        timeoutMs: 60_000,
        progressEveryMs: 30_000,
        progress: () => 'RUNNING 40%',
        log,
        now: () => now,
        sleep: async (ms) => void (now += ms),
      }),
    ).rejects.toThrow(new TimeoutError('timed out after 1m00s waiting for the backup (last state: RUNNING 40%)'));
    expect(log.lines).toEqual(['info still waiting for the backup after 30s: RUNNING 40%']);
  });

  test('returns the value once the check has one', async () => {
    let n = 0;
    const value = await poll({
      label: 'x',
      check: async () => (++n === 3 ? 'done' : undefined),
      intervalMs: 1,
      timeoutMs: 1000,
      progressEveryMs: 1000,
      log: memoryLog(),
      sleep: async () => undefined,
    });
    expect(value).toBe('done');
  });
});

describe('runAction', () => {
  test('runs cleanups in reverse order after a failure and reports it once', async () => {
    const order: string[] = [];
    const failed = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const code = await runAction(
        demo(async ({ defer }) => {
          defer('first', () => void order.push('first'));
          defer('second', (failure) => void order.push(`second saw ${(failure as Error).message}`));
          throw new Error('boom');
        }),
        { runner: inMemory(memoryLog()), signals: new EventEmitter() as never },
      );
      expect(code).toBe(1);
      expect(order).toEqual(['second saw boom', 'first']);
      const written = failed.mock.calls.map((c) => String(c[0])).join('');
      expect(written).toContain('::error::demo failed: boom');
    } finally {
      failed.mockRestore();
      process.exitCode = 0;
    }
  });

  test('a stray rejection does not end the process before the cleanups; it fails the run', () => {
    // Jest catches stray rejections itself, so this runs as a real process: the fixture's TypeScript run by Node.
    const run = spawnSync(
      process.execPath,
      ['--experimental-transform-types', '--no-warnings', '--import', './test/support/run-ts.mjs', 'test/fixtures/stray-rejection.ts'],
      { encoding: 'utf8' },
    );
    expect(run.error).toBeUndefined();
    expect(run.stdout).toContain('::error::unexpected failure: lost promise');
    expect(run.stdout).toContain('cleanup ran');
    expect(run.stdout).toContain('::error::demo failed: lost promise');
    expect(run.status).toBe(1);
  }, 60_000);

  test('SIGTERM aborts the signal with a CancelledError, and cleanup still runs', async () => {
    const signals = new EventEmitter();
    let restored = false;
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const code = await runAction(
        demo(async ({ signal, defer }) => {
          defer('restore', () => void (restored = true));
          setTimeout(() => signals.emit('SIGTERM', 'SIGTERM'), 5);
          await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
        }),
        { runner: inMemory(memoryLog()), signals: signals as never },
      );
      expect(code).toBe(1);
      expect(restored).toBe(true);
      expect(write.mock.calls.map((c) => String(c[0])).join('')).toContain('::error::demo failed: cancelled: SIGTERM received');
      expect(signals.listenerCount('SIGTERM')).toBe(0);
    } finally {
      write.mockRestore();
      process.exitCode = 0;
    }
  });

  test('after a SIGTERM the run ends interrupted, even when main wraps the cancel in an error of its own', async () => {
    const signals = new EventEmitter();
    let status: string | undefined;
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const action = {
        ...demo(async ({ signal }) => {
          setTimeout(() => signals.emit('SIGTERM', 'SIGTERM'), 5);
          await new Promise((resolve) => signal.addEventListener('abort', resolve));
          throw new ActionError('kfp-db failed during row counts: cancelled');
        }),
        summary: (_config: object, report: Report) => new JobSummary(`demo: ${(status = report.status)}`),
      };
      expect(await runAction(action, { runner: inMemory(memoryLog()), signals: signals as never })).toBe(1);
      expect(status).toBe('interrupted');
    } finally {
      write.mockRestore();
      process.exitCode = 0;
    }
  });

  test('a cleanup that fails makes a successful run fail', async () => {
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const code = await runAction(
        demo(async ({ defer }) =>
          defer('scale back', () => {
            throw new Error('juju down');
          }),
        ),
        { runner: inMemory(memoryLog()), signals: new EventEmitter() as never },
      );
      expect(code).toBe(1);
      expect(write.mock.calls.map((c) => String(c[0])).join('')).toContain('demo failed: scale back failed: juju down');
    } finally {
      write.mockRestore();
      process.exitCode = 0;
    }
  });
});

describe('runProcess', () => {
  test('passes arguments without a shell and streams lines', async () => {
    const lines: string[] = [];
    const result = await runProcess('printf', ['%s\\n', 'a b', '$(id)', ';ls'], { onStdoutLine: (l) => lines.push(l) });
    expect(result.code).toBe(0);
    expect(lines).toEqual(['a b', '$(id)', ';ls']);
  });

  test('hands a secret over stdin and redacts registered secrets from its log line', async () => {
    registerSecret('hunter2-secret-value');
    const log = memoryLog();
    const lines: string[] = [];
    await runProcess('cat', ['-', 'hunter2-secret-value-as-arg-is-a-bug'], { stdin: 'from stdin\n', log, onStdoutLine: (l) => lines.push(l) });
    expect(lines[0]).toBe('from stdin');
    expect(log.lines.join('\n')).not.toContain('hunter2-secret-value');
    expect(redact('x hunter2-secret-value y')).toBe('x *** y');
  });

  test('abort sends SIGTERM, then SIGKILL after the grace period', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const stubborn = "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)";
    const result = await runProcess(process.execPath, ['-e', stubborn], {
      signal: controller.signal,
      killGraceMs: 300,
      onStdoutLine: () => controller.abort(new CancelledError('test')),
    });
    expect(result.aborted).toBe(true);
    expect(result.signal).toBe('SIGKILL');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('a missing program is a clear error', async () => {
    await expect(runProcess('no-such-tool-xyz', [])).rejects.toThrow('no-such-tool-xyz was not found on PATH');
  });
});

describe('outputs and summary', () => {
  test('an output that would carry a secret is refused', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'out-'));
    const file = path.join(dir, 'o');
    const saved = process.env.GITHUB_OUTPUT;
    process.env.GITHUB_OUTPUT = file;
    try {
      writeFileSync(file, '');
      let refused: unknown;
      const code = await runAction(
        demo(async ({ setOutputs }) => {
          registerSecret('output-secret-1234');
          setOutputs({ 'backup-id': '20261122T013045Z' });
          refused = (() => {
            try {
              setOutputs({ leak: 'x output-secret-1234' });
            } catch (err) {
              return err;
            }
          })();
        }),
        { runner: inMemory(memoryLog()), signals: new EventEmitter() as never },
      );
      expect(code).toBe(0);
      expect(refused).toEqual(new Error("output 'leak' would contain a secret; refusing to set it"));
      expect(readFileSync(file, 'utf8')).toContain('20261122T013045Z');
      expect(readFileSync(file, 'utf8')).not.toContain('output-secret-1234');
    } finally {
      process.env.GITHUB_OUTPUT = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('summary tables escape markup and redact secrets', () => {
    registerSecret('summary-secret-999');
    const text = new JobSummary('sync <x>')
      .keyValues([
        ['Status', 'a | b <script>'],
        ['Key', 'summary-secret-999'],
      ])
      .text();
    expect(text).toContain('## sync &lt;x&gt;');
    expect(text).toContain('<tr><th align="left">Status</th><td>a | b &lt;script&gt;</td></tr>');
    expect(new JobSummary('t').table(['a', 'b'], [['x | y', 1]]).text()).toContain('| x \\| y | 1 |');
    expect(text).not.toContain('summary-secret-999');
  });
});

describe('putting back (Grace, putBack)', () => {
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

  test('after the first signal every budget ends 9 s after it; a SIGTERM after a SIGINT leaves 2 s', async () => {
    const grace = new Grace(60_000);
    const before = grace.budget();
    grace.signalled('SIGINT', Date.now() - 8_950);
    await wait(150);
    expect(before.aborted).toBe(true);
    expect(String(before.reason)).toMatch(/grace period has run out/);
    grace.dispose();

    const second = new Grace(60_000);
    second.signalled('SIGINT');
    const budget = second.budget();
    await wait(50);
    expect(budget.aborted).toBe(false);
    second.signalled('SIGTERM', Date.now() - 1_950);
    await wait(150);
    expect(budget.aborted).toBe(true);
    second.dispose();
  });

  test("a budget without a signal is the Grace's own, and stops at the action's deadline unless that leaves under a minute", async () => {
    const grace = new Grace(100);
    const budget = grace.budget();
    await wait(200);
    expect(String(budget.reason)).toMatch(/the 0\.1s allowed for putting things back ran out/);
    const long = new Grace(10 * 60_000);
    long.deadlineAt = Date.now() + 10;
    const atLeastAMinute = long.budget();
    await wait(100);
    expect(atLeastAMinute.aborted).toBe(false);
  });

  test('tries again with backoff until reading it back shows it done, and logs each failed attempt', async () => {
    const log = memoryLog();
    let tries = 0;
    const attempts = await putBack(
      {
        what: 'scale app back to 1',
        command: 'juju scale-application -m m app 1',
        attempt: async () => {
          if (++tries < 3) throw new Error('controller busy');
        },
        done: async () => tries >= 3,
      },
      { log, until: AbortSignal.timeout(5000), baseMs: 1, maxMs: 2 },
    );
    expect(attempts).toBe(3);
    expect(log.lines.filter((l) => l.startsWith('warning scale app back to 1: attempt'))).toHaveLength(2);
    expect(log.lines).toContain('info scale app back to 1: done after 3 attempts');
  });

  test('an attempt cut short that the other side applied anyway is found done by reading it back', async () => {
    let applied = false;
    const attempts = await putBack(
      {
        what: 'x',
        command: 'fix x',
        attempt: (signal) =>
          new Promise((_resolve, reject) => {
            applied = true;
            signal.addEventListener('abort', () => reject(signal.reason));
          }),
        done: async () => applied,
      },
      { log: memoryLog(), until: AbortSignal.timeout(5000), attemptMs: 30 },
    );
    expect(attempts).toBe(1);
  });

  test('when the budget ends it fails with what it could not do and the command to run', async () => {
    await expect(
      putBack(
        {
          what: 'scale app back to 1',
          command: 'juju scale-application -m m app 1',
          attempt: async () => {
            throw new Error('refused');
          },
          done: async () => false,
        },
        { log: memoryLog(), until: new Grace(150).budget(), baseMs: 10, maxMs: 20 },
      ),
    ).rejects.toThrow(/^could not scale app back to 1 \(refused; gave up: the 0\.\ds allowed .*\)\. NOT PUT BACK; run: juju scale-application -m m app 1$/);
  });
});
