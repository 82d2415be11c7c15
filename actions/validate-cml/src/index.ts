import { runAction } from '@ml-backup-actions/core';
import { validateCmlAction } from './main.js';

process.exitCode = await runAction(validateCmlAction);
