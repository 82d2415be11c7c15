export { diagnose, PROBLEM_HINTS, type Problem } from './diagnose.js';
export { parseLine, type RcloneEvent, type RcloneStats } from './events.js';
export { describeExit } from './exit.js';
export { formatProgress } from './progress.js';
export { Rclone, type RcloneOptions, type RcloneRun, type RunCallOptions } from './rclone.js';
export { remoteEnv, remotePath, type S3Remote } from './remote.js';
export { compareListings, listObjects, parseListingLine, type Comparison, type Listing, type ListingRun } from './listing.js';
export { ACCESS_KEY_FORM, isAccessKey, readS3Target, s3TargetRemote, type S3Target } from './s3-target.js';
export { checkRun, deleteKeys, downloadFile, uploadFile, type ObjectAt } from './transfer.js';
