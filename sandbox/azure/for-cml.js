// @ts-check
// Azure for a CML workspace of the CDP emulator: ARM and Entra ID (HTTPS, test CA) holding the
// workspace's disks (tagged with its CRN), and the Actions OIDC endpoint, with the inputs and the
// environment an action needs to reach them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultModel, startAzure } from './index.js';
import { startGitHubOidc } from './github-oidc.js';

/** @param {string} workspaceCrn */
export async function startAzureForCml(workspaceCrn) {
  const azure = await startAzure({ model: defaultModel({ workspaceCrn }) });
  const oidc = await startGitHubOidc(azure);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'azure-ca-'));
  writeFileSync(path.join(dir, 'ca.pem'), azure.ca);
  return {
    azure,
    inputs: {
      'azure-subscription-id': azure.subscriptionId,
      'azure-tenant-id': azure.tenantId,
      'azure-client-id': azure.clientId,
      'azure-endpoint-url': azure.endpoint,
    },
    env: { ...oidc.env, AZURE_AUTHORITY_HOST: azure.authorityHost, NODE_EXTRA_CA_CERTS: path.join(dir, 'ca.pem') },
    async stop() {
      await oidc.stop();
      await azure.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
