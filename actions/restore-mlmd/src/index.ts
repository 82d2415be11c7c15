import { runAction } from '@ml-backup-actions/core';
import { restoreMlmdAction } from './main.js';

process.exitCode = await runAction(restoreMlmdAction);
