import { ComputeManagementClient } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import type { TokenCredential } from '@azure/identity';

export interface AzureClientOptions {
  credential: TokenCredential;
  subscriptionId: string;
  /** ARM endpoint; default https://management.azure.com (the sandbox passes its own). */
  endpoint?: string;
  /** Extra trusted CA (PEM) for a private endpoint such as the sandbox; replaces the default CA list. */
  ca?: string;
  /** Retries on 429/5xx/network errors (SDK default 3). */
  maxRetries?: number;
}

/** The ARM clients the CML checks use, on one subscription. */
export interface AzureClients {
  subscriptionId: string;
  compute: ComputeManagementClient;
  resources: ResourceManagementClient;
}

export function createAzureClients(options: AzureClientOptions): AzureClients {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(options.subscriptionId)) {
    throw new Error(`Azure subscription id '${options.subscriptionId}' is not a GUID`);
  }
  const common = {
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.ca ? { tlsOptions: { ca: options.ca } } : {}),
    ...(options.maxRetries !== undefined ? { retryOptions: { maxRetries: options.maxRetries } } : {}),
    userAgentOptions: { userAgentPrefix: 'ml-backup-actions' },
  };
  return {
    subscriptionId: options.subscriptionId,
    compute: new ComputeManagementClient(options.credential, options.subscriptionId, common),
    resources: new ResourceManagementClient(options.credential, options.subscriptionId, common),
  };
}
