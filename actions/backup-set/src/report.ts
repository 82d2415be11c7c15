import { newReport, type Report } from '@ml-backup-actions/core';
import type { Mode } from './config.js';
import type { Manifest } from '@ml-backup-actions/ckf-set';
import type { PruneResult } from './prune.js';

export interface SetReport extends Report {
  mode: Mode;
  /** The set's manifest as this run left it, and where. */
  manifest?: Manifest;
  url?: string;
  pruned?: PruneResult;
}

export const newSetReport = (mode: Mode, now = new Date()): SetReport => newReport({ mode }, now, mode);
