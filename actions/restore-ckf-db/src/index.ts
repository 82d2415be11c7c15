import { runAction } from '@ml-backup-actions/core';
import { restoreCkfDbAction } from './main.js';

process.exitCode = await runAction(restoreCkfDbAction);
