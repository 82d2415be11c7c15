// jest's default reporters, fed failure messages without what no reader needs: the ::add-mask::
// lines an action prints first (a whole kubeconfig among them) and the sandbox's test keys.
const { DefaultReporter, SummaryReporter } = require('@jest/reporters');

// The sandbox's fixed test credentials (sandbox/index.js, sandbox/ckf.js) and its kube tokens.
const KEYS = ['minio-Secret-9f3b2c7d1e', 'backup-Secret-4a8e6f0b2d', 'ckf-backup-Secret-7c1d9e2f4a', 'Q7M2X9K4T1B8N6V3C5Z0L2H7J9R4WD'];

function quiet(text) {
  if (!text) return text;
  let out = text.replace(/::add-mask::.*$/gm, '::add-mask::… (left out by test/support/quiet-reporter.cjs)');
  for (const key of KEYS) out = out.split(key).join('***');
  return out.replace(/\bsandbox-[0-9a-f]{48}\b/g, 'sandbox-***');
}

function quieted(result) {
  return {
    ...result,
    failureMessage: quiet(result.failureMessage),
    testResults: result.testResults.map((t) => ({ ...t, failureMessages: t.failureMessages.map(quiet) })),
  };
}

class QuietReporter {
  constructor(globalConfig, options, context) {
    this.reporters = [new DefaultReporter(globalConfig), new SummaryReporter(globalConfig, options)];
    this.context = context;
  }
  onRunStart(results, options) {
    for (const r of this.reporters) r.onRunStart?.(results, options);
  }
  onTestStart(test) {
    for (const r of this.reporters) r.onTestStart?.(test);
  }
  onTestCaseResult(test, testCaseResult) {
    for (const r of this.reporters) r.onTestCaseResult?.(test, { ...testCaseResult, failureMessages: testCaseResult.failureMessages.map(quiet) });
  }
  onTestResult(test, testResult, aggregated) {
    const result = quieted(testResult);
    const all = { ...aggregated, testResults: aggregated.testResults.map((r) => (r === testResult ? result : quieted(r))) };
    for (const r of this.reporters) r.onTestResult?.(test, result, all);
  }
  async onRunComplete(contexts, aggregated) {
    const all = { ...aggregated, testResults: aggregated.testResults.map(quieted) };
    for (const r of this.reporters) await r.onRunComplete?.(contexts, all);
  }
  getLastError() {
    for (const r of this.reporters) {
      const e = r.getLastError?.();
      if (e) return e;
    }
    return undefined;
  }
}
module.exports = QuietReporter;
