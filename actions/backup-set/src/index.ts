import { runAction } from '@ml-backup-actions/core';
import { backupSetAction } from './main.js';

process.exitCode = await runAction(backupSetAction);
