export { JujuError, classify, jujuMessage, type JujuProblem } from './errors.js';
export { Juju, type CallOptions, type JujuCall, type JujuOptions } from './juju.js';
export { applicationOfUnit, checkApplicationName, checkUnitName } from './names.js';
export { parseStatus, parseStatusInfo } from './status.js';
export type { ApplicationScale, ApplicationStatus, JujuStatus, ModelStatus, RelatedApplication, StatusInfo, UnitState, UnitStatus } from './types.js';
export { byUnitNumber, describeUnits, isActive, isDying, isInError, unitStates } from './units.js';
export { type WaitForUnitsOptions } from './wait.js';
