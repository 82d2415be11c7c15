import { runAction } from '@ml-backup-actions/core';
import { deleteCmlAction } from './main.js';

process.exitCode = await runAction(deleteCmlAction);
