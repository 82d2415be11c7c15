import { runAction } from '@ml-backup-actions/core';
import { syncMinioAction } from './main.js';

process.exitCode = await runAction(syncMinioAction);
