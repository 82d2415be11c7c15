export {
  JujuCli,
  JujuError,
  classify,
  jujuMessage,
  type CallOptions,
  type JujuCall,
  type JujuExit,
  type JujuOptions,
  type JujuProblem,
  type JujuRunner,
} from './cli.js';
export { Juju } from './juju.js';
export { BACKUP_IDS_FORM, CHARM_BACKUP_ID, readApplications, readBackupIds } from './inputs.js';
export { ScaleKeeper, type ScaleRecord } from './scale-keeper.js';
export { S3_ENDPOINT, describeS3Location, readS3Location, s3IntegratorOf, type CharmS3Location } from './charms/s3-integrator.js';
export {
  pickBackupUnit,
  parseBackupsTable,
  parseClusterStatus,
  unitOfLabel,
  unitsRunningBackup,
  type BackupEntry,
  type ClusterMember,
  type ClusterStatus,
} from './charms/mysql-k8s.js';
export { CHECK_USER, SYSTEM_SCHEMAS, compareRowCounts, countRows, mysqlQuery, type RowCounts } from './charms/mysql-client.js';
export { MINIO_DEFAULT_ACCESS_KEY, credentialsFromJuju, type MinioCredentials } from './charms/minio.js';
export { parseFlatYaml, parseObjectStorageData, type ObjectStorageData } from './charms/minio-relation-data.js';
export { ActionFailedError, ActionTimeoutError, type RunActionOptions } from './run-action.js';
export {
  TERMINAL_TASK_STATUSES,
  actionArgs,
  isTerminal,
  parseActionSchemas,
  parseRunOutput,
  parseTask,
  succeeded,
  taskIdFromProgress,
  type ActionParam,
  type ActionSpec,
  type ActionTask,
} from './tasks.js';
export { applicationOfUnit, checkApplicationName, checkUnitName } from './names.js';
export { parseStatus, parseStatusInfo } from './status.js';
export type { ApplicationScale, ApplicationStatus, JujuStatus, ModelStatus, RelatedApplication, StatusInfo, UnitState, UnitStatus } from './types.js';
export { byUnitNumber, describeUnits, isActive, isDying, isInError, unitStates } from './units.js';
export { type WaitForUnitsOptions } from './wait.js';
