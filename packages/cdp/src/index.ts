export { connectCdp, readCdpConnection, type CdpConnection, type CdpConnectionConfig } from './config.js';
export { CdpClient, type CallOptions, type CdpClientOptions } from './client.js';
export { cdpFiles, profileName, resolveCredentials, type CdpCredentials, type CredentialOptions } from './credentials.js';
export { CDP_REGIONS, DEFAULT_REGION, regionBaseUrl, resolveEndpoint, type CdpEndpoint, type CdpRegion, type EndpointOptions } from './endpoint.js';
export { CdpError, htmlUnescape, parseErrorBody, type CdpErrorCode, type CdpErrorDetails } from './errors.js';
export { CDP_RESOURCE_TAG, MlApi, describeRef } from './ml.js';
export type * from './ml-types.js';
export {
  CONTENT_TYPE,
  altusDate,
  authParamsJson,
  base64UrlPadded,
  detectAuthMethod,
  loadSigningKey,
  publicKeyPem,
  signRequest,
  signString,
  stringToSign,
  type AuthMethod,
  type SignRequestOptions,
  type SignedHeaders,
  type SigningKey,
} from './signing.js';
export {
  CdpWaitError,
  WORKSPACE_KNOWN_STATUSES,
  WORKSPACE_READY_STATUSES,
  classifyBackupStatus,
  classifyWorkspaceStatus,
  waitForBackup,
  waitForWorkspace,
  waitForWorkspaceDeleted,
  type StatusClass,
  type WaitOptions,
} from './waiters.js';
export { ML_SPEC_VERSION, checkRequest, type SpecProblem } from './spec.js';
export { BACKUP_CRN_FORM, WORKSPACE_CRN_FORM, isBackupCrn, isWorkspaceCrn } from './crn.js';
export { whyNotGone } from './gone.js';
