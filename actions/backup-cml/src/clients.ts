import type { BackupClient } from '@aws-sdk/client-backup';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { ActionError, type ActionRun, type ClientContext } from '@ml-backup-actions/core';
import type { AzureClients } from '@ml-backup-actions/azure';
import { connectCdp, type MlApi } from '@ml-backup-actions/cdp';
import { CmlApi } from '@ml-backup-actions/cml';
import type { BackupCmlConfig } from './config.js';
import type { CmlReport } from './report.js';

/** No AWS call may hang a run: the SDK's default is to wait for ever. */
export const AWS_TIMEOUTS = { connectionTimeout: 10_000, requestTimeout: 30_000 };

/** The cloud SDKs are loaded only for the workspace's platform: each would double the start-up of every run. */
export interface BackupCmlClients {
  ml: MlApi;
  /** AWS Backup in the workspace's region (AWS_ENDPOINT_URL_BACKUP points it elsewhere). */
  backup(region: string): Promise<BackupClient>;
  /** EC2 for the workspace's EBS volumes (AWS_ENDPOINT_URL_EC2 points it elsewhere). */
  ec2(region: string): Promise<EC2Client>;
  /** Azure Resource Manager, signed in with the job's GitHub OIDC token (azure-* inputs). */
  azure(): Promise<AzureClients>;
  /** The workspace's CML API v2 with cml-api-key (read only). */
  cml(instanceUrl: string): CmlApi;
}

export type BackupCmlRun = ActionRun<BackupCmlConfig, BackupCmlClients, CmlReport>;

/** How the AWS clients are reached: the SDK's defaults (environment, AWS_ENDPOINT_URL_*), or these. */
export interface AwsReach {
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** Azure's TLS trust: the system's, or this CA (a test's). */
export interface AzureReach {
  ca?: string;
}

export function backupCmlClients(
  config: BackupCmlConfig,
  context: ClientContext,
  reach: { backup?: AwsReach; ec2?: AwsReach; azure?: AzureReach } = {},
): BackupCmlClients {
  const { env, log } = context;
  const needRegion = (region: string) => {
    if (!region)
      throw new ActionError("Input 'aws-region' is required for a workspace on AWS (or set AWS_REGION): the region of the workspace's AWS Backup vault.");
    return region;
  };
  const aws = (region: string, to?: AwsReach) => ({ region: needRegion(region), maxAttempts: 5, requestHandler: AWS_TIMEOUTS, ...to });
  return {
    ml: connectCdp(config.cdp, { log, env }).ml,
    backup: async (region) => new (await import('@aws-sdk/client-backup')).BackupClient(aws(region, reach.backup)),
    ec2: async (region) => new (await import('@aws-sdk/client-ec2')).EC2Client(aws(region, reach.ec2)),
    azure: () => azureClients(config, context, reach.azure),
    cml: (instanceUrl) => new CmlApi({ instanceUrl, apiKey: config.cmlApiKey, log }),
  };
}

async function azureClients({ azure }: BackupCmlConfig, { log, idToken }: ClientContext, reach: AzureReach = {}): Promise<AzureClients> {
  const { createAzureClients, gitHubOidcCredential } = await import('@ml-backup-actions/azure');
  const tls = reach.ca ? { tlsOptions: { ca: reach.ca } } : undefined;
  const credential = gitHubOidcCredential({
    tenantId: azure.tenantId,
    clientId: azure.clientId,
    audience: azure.oidcAudience,
    getIdToken: idToken,
    log,
    ...(azure.authorityHost ? { authorityHost: azure.authorityHost, disableInstanceDiscovery: true } : {}),
    ...(tls ? { clientOptions: tls } : {}),
  });
  return createAzureClients({ credential, subscriptionId: azure.subscriptionId, endpoint: azure.endpoint || undefined, ca: reach.ca });
}
