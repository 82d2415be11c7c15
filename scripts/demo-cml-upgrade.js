// The demo's CML part: the cml-upgrade workflow, run by the test harness as the runner would run
// its jobs, against the CDP emulator (and Azure's for the Azure workspace), in scaled time. The
// demo is the reviewer of both gates, and approves each when asked, saying so.
import { repoRoot, startAzureForCml, startCdp } from '../sandbox/index.js';
import { loadHarness } from './harness.js';

const GATES = ['cml-upgrade-delete-original', 'cml-upgrade-delete-interim'];
const WORKSPACES = {
  aws: { 'environment-name': 'cdp-aws-env', 'workspace-name': 'ml-prod' },
  azure: { 'environment-name': 'cdp-azure-env', 'workspace-name': 'ml-azure' },
};

export async function demoCmlUpgrade() {
  const { runWorkflow, Repository, ArtifactStore } = await loadHarness();
  console.log(
    '\n\x1b[1mtime is scaled from here on\x1b[0m: the CDP, AWS Backup and Azure emulators run 10,000 times faster than real, so a 10-hour backup takes about 4 s and "minutes" in the logs are real-world minutes',
  );
  for (const cloud of ['aws', 'azure']) {
    const cdp = await startCdp({ timeScale: 10_000 });
    const ws = WORKSPACES[cloud];
    const original = cdp.workspace(ws['workspace-name']);
    const azure = cloud === 'azure' ? await startAzureForCml(original.crn) : undefined;
    const repository = new Repository({ protectedEnvironments: GATES });
    const runId = cloud === 'aws' ? '7001' : '7002';
    const reviewer = setInterval(() => {
      for (const w of repository.waiting.filter((r) => r.run === runId)) {
        console.log(
          `\n\x1b[1m>>> ${w.job} waits for a reviewer of ${w.environment}: the demo approves it\x1b[0m (a person would read the validation above first)`,
        );
        repository.approve(runId, w.environment);
      }
    }, 20);
    try {
      console.log(
        `\n\x1b[1m=== cml-upgrade workflow, ${cloud === 'aws' ? 'AWS' : 'Azure'}\x1b[0m: ${ws['workspace-name']} (${original.version}, ${original.instanceUrl}) through backup and restore, ` +
          `${cdp.cmlProjects(ws['workspace-name']).length} projects`,
      );
      let last = '';
      const run = await runWorkflow({
        workflow: '.github/workflows/cml-upgrade.yml',
        repoRoot,
        event: 'workflow_dispatch',
        repository,
        stubs: new ArtifactStore().stubs(),
        env: { PATH: process.env.PATH, HOME: '/nonexistent', ...cdp.awsEnv, ...(azure?.env ?? {}) },
        inputs: {
          ...ws,
          'interim-workspace-name': 'ml-interim',
          'workspace-parameters': '{"usePublicLoadBalancer": false}',
          'cdp-endpoint-url': cdp.endpoint,
          'progress-interval-minutes': 0.02,
          ...(azure
            ? Object.fromEntries(['azure-subscription-id', 'azure-tenant-id', 'azure-client-id', 'azure-endpoint-url'].map((k) => [k, azure.inputs[k]]))
            : {}),
        },
        secrets: {
          CDP_ACCESS_KEY_ID: cdp.keys.ed25519.accessKeyId,
          CDP_PRIVATE_KEY: cdp.keys.ed25519.privateKey,
          CML_API_KEY: cdp.cmlApiKey(ws['workspace-name']),
        },
        github: { repository: 'example/ml-platform', run_id: runId, run_attempt: '1' },
        onLog: ({ job, stepName, stream, line }) => {
          if (stream !== 'stdout' || /^::(debug|add-mask|endgroup)/.test(line) || !line.trim() || /^still waiting/.test(line)) return;
          const where = `${job} / ${stepName}`;
          if (where !== last) console.log(`\n-- ${where}`);
          last = where;
          console.log(`   ${line.startsWith('::group::') ? line.slice(9) : line}`);
        },
      });
      console.log('\njobs:', Object.fromEntries(Object.entries(run.jobs).map(([id, j]) => [id, j.result])));
      console.log(`\nthe report job's summary:\n${run.jobs.report.steps.map((s) => s.summary).join('')}`);
      if (run.result !== 'success') throw new Error(`the cml-upgrade workflow ended ${run.result} on ${cloud}`);
      const final = cdp.workspace(ws['workspace-name']);
      console.log(
        `final workspace ${final.instanceName}: ${final.version} at ${final.instanceUrl} (the original's URL: ${final.instanceUrl === original.instanceUrl}), ` +
          `${cdp.cmlProjects(final.crn).length} projects; the original and ml-interim are gone; CDP saw ${cdp.restores().length} restores and ${cdp.deletes().length} deletes`,
      );
    } finally {
      clearInterval(reviewer);
      await azure?.stop();
      await cdp.stop();
    }
  }
}
