import type { AzureClients } from './clients.js';
import { AzureError, describeAzureError } from './errors.js';

/** True when the resource group exists (HEAD /subscriptions/{s}/resourcegroups/{name}: 204 or 404). */
export async function resourceGroupExists(
  clients: Pick<AzureClients, 'resources' | 'subscriptionId'>,
  name: string,
  options: { abortSignal?: AbortSignal } = {},
): Promise<boolean> {
  try {
    const r = await clients.resources.resourceGroups.checkExistence(name, { abortSignal: options.abortSignal });
    return r.body;
  } catch (err) {
    throw new AzureError(
      `could not check whether resource group '${name}' exists in subscription '${clients.subscriptionId}': ${describeAzureError(err)}`,
      err,
    );
  }
}

/** Throws an error naming the group and the subscription when the resource group does not exist. */
export async function requireResourceGroup(
  clients: Pick<AzureClients, 'resources' | 'subscriptionId'>,
  name: string,
  options: { abortSignal?: AbortSignal; purpose?: string } = {},
): Promise<void> {
  if (!(await resourceGroupExists(clients, name, options))) {
    throw new AzureError(
      `resource group '${name}' does not exist in subscription '${clients.subscriptionId}'` +
        (options.purpose ? ` (needed for ${options.purpose})` : '') +
        ' (check the name, and that the credential can read that subscription)',
      undefined,
    );
  }
}
