import { runAction } from '@ml-backup-actions/core';
import { cmlUpgradeStatusAction } from './main.js';

process.exitCode = await runAction(cmlUpgradeStatusAction);
