export { CmlApi, CmlApiError, type CmlApiOptions } from './api.js';
export { takeInventory, type InventoryProject, type ProjectInventory } from './inventory.js';
export { DEFAULT_RECORD_NAME, RECORD_FILE_FORM, RECORD_VERSION, isRecordFile, readRecord, recordOf, writeRecord, type UpgradeRecord } from './record.js';
export { RESTORED_FROM_TAG, deriveRestoreRequest, type DerivedRequest, type RestoreChoices } from './restore-request.js';
