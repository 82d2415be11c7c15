export {
  gitHubOidcCredential,
  GITHUB_TOKEN_EXCHANGE_AUDIENCE,
  type AssertionStats,
  type GitHubOidcCredential,
  type GitHubOidcCredentialOptions,
  type IdTokenProvider,
} from './credential.js';
export { createAzureClients, type AzureClientOptions, type AzureClients } from './clients.js';
export { resourceGroupExists, requireResourceGroup } from './resources.js';
export {
  DEFAULT_WORKSPACE_DISK_FILTER,
  DiskTaggingError,
  GC_TAG_KEY,
  GC_TAG_VALUE,
  describeGcTagReport,
  findWorkspaceDisks,
  gcTagReport,
  gcTagState,
  matchesTagFilter,
  pvcOf,
  tagDisksForGc,
  type FindDisksOptions,
  type GcTagReport,
  type GcTagState,
  type TagDisksOptions,
  type TagDisksResult,
  type TagFilter,
  type TagOutcome,
  type WorkspaceDisk,
} from './disks.js';
export { AzureError, azureErrorInfo, describeAzureError, type AzureErrorInfo } from './errors.js';
