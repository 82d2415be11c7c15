// A CDP sandbox for the CML upgrade's actions, and backup-cml run in-process against it (with the
// Azure side when the workspace is the Azure one): what the record, restore and validate tests share.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAzureForCml, startCdp } from '../../sandbox/index.js';
import { backupCmlAction } from '../../actions/backup-cml/src/main.js';
import { backupCmlClients } from '../../actions/backup-cml/src/clients.js';
import { runInProcess } from './in-process.js';
import { must } from './must.js';

export type Cdp = Awaited<ReturnType<typeof startCdp>>;

export const CML_WORKSPACES = {
  aws: { 'environment-name': 'cdp-aws-env', 'workspace-name': 'ml-prod' },
  azure: { 'environment-name': 'cdp-azure-env', 'workspace-name': 'ml-azure' },
};

/** Starts the emulator (and a scratch directory); stops pushes what the test's afterEach undoes. */
export async function cmlSandbox(stops: (() => unknown)[], cdpOptions: Parameters<typeof startCdp>[0] = { timeScale: 20_000 }) {
  const cdp = await startCdp(cdpOptions);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cml-it-'));
  stops.push(
    () => cdp.stop(),
    () => rmSync(dir, { recursive: true, force: true }),
  );
  const cdpInputs = { 'cdp-access-key-id': cdp.keys.ed25519.accessKeyId, 'cdp-private-key': cdp.keys.ed25519.privateKey, 'cdp-endpoint-url': cdp.endpoint };
  let azure: Awaited<ReturnType<typeof startAzureForCml>> | undefined;
  const credentials = { accessKeyId: cdp.awsEnv.AWS_ACCESS_KEY_ID, secretAccessKey: cdp.awsEnv.AWS_SECRET_ACCESS_KEY };

  /** backup-cml with the sandbox's CDP key and short progress lines, before inputs. */
  async function backup(inputs: Record<string, string>) {
    let env: Record<string, string> = { ...cdp.awsEnv, HOME: '/nonexistent' };
    if (inputs['workspace-name'] === CML_WORKSPACES.azure['workspace-name']) {
      if (!azure) {
        const side = (azure = await startAzureForCml(must(cdp.workspace('ml-azure'), 'ml-azure').crn));
        stops.push(() => side.stop());
      }
      env = { ...env, ...azure.env };
      inputs = { ...azure.inputs, ...inputs };
    }
    return runInProcess(
      backupCmlAction,
      { ...cdpInputs, 'progress-interval-minutes': '0.01', ...inputs },
      {
        env,
        timeoutMs: 60_000,
        clients: (config, context) =>
          backupCmlClients(config, context, {
            backup: { endpoint: cdp.awsEnv.AWS_ENDPOINT_URL_BACKUP, credentials },
            ec2: { endpoint: cdp.awsEnv.AWS_ENDPOINT_URL_EC2, credentials },
            azure: { ca: env.NODE_EXTRA_CA_CERTS ? readFileSync(env.NODE_EXTRA_CA_CERTS, 'utf8') : undefined },
          }),
      },
    );
  }
  return { cdp, dir, cdpInputs, backup };
}

/** What a run showed, without the add-mask lines (which carry the secrets by design). */
export function shown(run: { stdout: string; stderr: string; summary: string; outputs: Record<string, string> }): string {
  const stdout = run.stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
  return [stdout, run.stderr, run.summary, JSON.stringify(run.outputs)].join('\n');
}
