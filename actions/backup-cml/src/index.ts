import { runAction } from '@ml-backup-actions/core';
import { backupCmlAction } from './main.js';

process.exitCode = await runAction(backupCmlAction);
