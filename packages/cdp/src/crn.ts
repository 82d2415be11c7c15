/** CML's CRNs, as inputs take them. */
export const WORKSPACE_CRN_FORM = 'a CML workspace CRN, crn:cdp:ml:<region>:<account id>:workspace:<id>';
export const BACKUP_CRN_FORM = 'a CML backup CRN, crn:cdp:ml:<region>:<account id>:workspace_backup:<id>';
const crn = (type: string) => new RegExp(`^crn:cdp:ml:[a-z0-9-]{2,32}:[A-Za-z0-9-]{1,64}:${type}:[A-Za-z0-9-]{1,64}$`);
export const isWorkspaceCrn = (v: string): boolean => crn('workspace').test(v);
export const isBackupCrn = (v: string): boolean => crn('workspace_backup').test(v);
