import type { CallOptions, CdpClient } from './client.js';
import type * as T from './ml-types.js';

/** The ML (Cloudera AI) service's operations used by the runbooks, typed after vectors/ml.yaml. */
export class MlApi {
  static readonly SERVICE = 'ml';

  constructor(readonly client: CdpClient) {}

  private call<Res>(operation: string, body: object, options?: CallOptions): Promise<Res> {
    return this.client.post<Res>(MlApi.SERVICE, operation, body, options);
  }

  backupWorkspace(req: T.BackupWorkspaceRequest, options?: CallOptions): Promise<T.BackupWorkspaceResponse> {
    return this.call('backupWorkspace', req, options);
  }

  describeWorkspaceBackup(req: T.DescribeWorkspaceBackupRequest, options?: CallOptions): Promise<T.DescribeWorkspaceBackupResponse> {
    return this.call('describeWorkspaceBackup', req, options);
  }

  listWorkspaceBackups(req: T.ListWorkspaceBackupsRequest, options?: CallOptions): Promise<T.ListWorkspaceBackupsResponse> {
    return this.call('listWorkspaceBackups', req, options);
  }

  describeWorkspace(req: T.DescribeWorkspaceRequest, options?: CallOptions): Promise<T.DescribeWorkspaceResponse> {
    return this.call('describeWorkspace', req, options);
  }

  listWorkspaces(req: T.ListWorkspacesRequest = {}, options?: CallOptions): Promise<T.ListWorkspacesResponse> {
    return this.call('listWorkspaces', req, options);
  }

  suspendWorkspace(req: T.SuspendWorkspaceRequest, options?: CallOptions): Promise<T.EmptyResponse> {
    return this.call('suspendWorkspace', req, options);
  }

  resumeWorkspace(req: T.ResumeWorkspaceRequest, options?: CallOptions): Promise<T.EmptyResponse> {
    return this.call('resumeWorkspace', req, options);
  }

  restoreWorkspace(req: T.RestoreWorkspaceRequest, options?: CallOptions): Promise<T.RestoreWorkspaceResponse> {
    return this.call('restoreWorkspace', req, options);
  }

  deleteWorkspace(req: T.DeleteWorkspaceRequest, options?: CallOptions): Promise<T.EmptyResponse> {
    return this.call('deleteWorkspace', req, options);
  }

  deleteBackup(req: T.DeleteBackupRequest, options?: CallOptions): Promise<T.DeleteBackupResponse> {
    return this.call('deleteBackup', req, options);
  }
}

/** How a workspace reference reads in a log line. */
export function describeRef(ref: T.WorkspaceRef): string {
  if (ref.workspaceCrn) return ref.workspaceCrn;
  return `${ref.workspaceName ?? '?'} in environment ${ref.environmentName ?? '?'}`;
}

/** The tag CDP puts on a workspace's cloud resources (EBS volumes, Azure disks), with the workspace's CRN as value. */
export const CDP_RESOURCE_TAG = 'Cloudera-Resource-Name';
