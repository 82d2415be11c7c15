import { runAction } from '@ml-backup-actions/core';
import { backupMlmdAction } from './main.js';

process.exitCode = await runAction(backupMlmdAction);
