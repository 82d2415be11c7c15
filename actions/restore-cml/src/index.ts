import { runAction } from '@ml-backup-actions/core';
import { restoreCmlAction } from './main.js';

process.exitCode = await runAction(restoreCmlAction);
