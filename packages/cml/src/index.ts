export { CmlApi, CmlApiError, type CmlApiOptions } from './api.js';
export { takeInventory, type InventoryProject, type ProjectInventory } from './inventory.js';
export { DEFAULT_RECORD_NAME, RECORD_FILE_FORM, RECORD_VERSION, isRecordFile, readRecord, recordOf, writeRecord, type UpgradeRecord } from './record.js';
export { RESTORED_FROM_TAG, deriveRestoreRequest, type DerivedRequest, type RestoreChoices } from './restore-request.js';
export { compareVersions, configurationDrift, controlPlaneChecks, type Check, type ExpectUrl } from './checks.js';
export { compareProjects, type MissingProject, type ProjectComparison } from './compare-projects.js';
export { failedChecks, validateRestored, type KeyChoice, type Validation } from './validate.js';
export { UPGRADE_STAGES, standing, stageState, upgradeDiagram, type JobState, type Names, type Standing, type StageState } from './upgrade-chain.js';
