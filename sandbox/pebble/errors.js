// @ts-check
// The daemon's answers as pebble's internals/daemon/response.go shapes them, and Go's wording of
// filesystem errors ("stat /data/x: no such file or directory"), always with the container's path.

/** @type {Record<string, string>} strerror, as Go's syscall.Errno.Error() says it */
const STRERROR = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EEXIST: 'file exists',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  ENOTEMPTY: 'directory not empty',
  ENOSPC: 'no space left on device',
  EXDEV: 'invalid cross-device link',
  EBUSY: 'device or resource busy',
  EINVAL: 'invalid argument',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
};

/** @type {Record<number, string>} */
const STATUS_TEXT = {
  200: 'OK',
  202: 'Accepted',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  500: 'Internal Server Error',
};

/** A file error with Go's kind and message. */
export class FileError extends Error {
  /** @param {string} message @param {'not-found' | 'permission-denied' | 'generic-file-error'} kind */
  constructor(message, kind = 'generic-file-error') {
    super(message);
    this.kind = kind;
  }
}

/**
 * Go's *PathError text for a node fs error, naming the container's path.
 * @param {unknown} err @param {string} op stat, open, remove, mkdir, chown, write, rename
 * @param {string} podPath
 */
export function pathError(err, op, podPath) {
  const code = /** @type {NodeJS.ErrnoException} */ (err)?.code ?? 'EIO';
  const kind = code === 'ENOENT' ? 'not-found' : code === 'EACCES' || code === 'EPERM' ? 'permission-denied' : 'generic-file-error';
  return new FileError(`${op} ${podPath}: ${strerror(err)}`, kind);
}

/** @param {unknown} err a node fs error */
export function strerror(err) {
  const code = /** @type {NodeJS.ErrnoException} */ (err)?.code ?? 'EIO';
  return STRERROR[code] ?? code.toLowerCase();
}

/** fileErrorToResult: undefined for no error. @param {unknown} err */
export function fileErrorResult(err) {
  if (!err) return undefined;
  if (err instanceof FileError) return { kind: err.kind, message: err.message };
  return { kind: 'generic-file-error', message: err instanceof Error ? err.message : String(err) };
}

/** @param {unknown} result */
export const sync = (result) => ({ status: 200, body: { type: 'sync', 'status-code': 200, status: 'OK', result } });

/** @param {string} change */
export const async = (change) => ({ status: 202, body: { type: 'async', 'status-code': 202, status: 'Accepted', change } });

/**
 * An error response (BadRequest, NotFound, ...): result { message } or { kind, message }.
 * @param {number} status @param {string} message @param {string} [kind]
 */
export function errorResponse(status, message, kind) {
  return { status, body: { type: 'error', 'status-code': status, status: STATUS_TEXT[status] ?? '', result: kind ? { kind, message } : { message } } };
}

/** @param {string} message */
export const badRequest = (message) => errorResponse(400, message);

/** Go's %q for the strings used here. @param {string} s */
export const quote = (s) => JSON.stringify(s);
