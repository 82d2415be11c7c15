import { runAction } from '@ml-backup-actions/core';
import { backupCkfDbAction } from './main.js';

process.exitCode = await runAction(backupCkfDbAction);
