import { ActionError } from '@ml-backup-actions/core';

// Juju's own rules (names.IsValidApplication / IsValidUnit). Checking them here also keeps a name
// from ever reaching juju's argv as an option.
const APPLICATION = /^[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*$/;
const UNIT = /^([a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*)\/(\d+|leader)$/;

export function checkApplicationName(name: string): string {
  if (!APPLICATION.test(name))
    throw new ActionError(`"${name}" is not a valid Juju application name (lower-case letters, digits and hyphens, starting with a letter)`);
  return name;
}

export function checkUnitName(name: string): string {
  if (!UNIT.test(name)) throw new ActionError(`"${name}" is not a valid Juju unit name (<application>/<number>)`);
  return name;
}

export function applicationOfUnit(unit: string): string {
  return unit.slice(0, unit.lastIndexOf('/'));
}
