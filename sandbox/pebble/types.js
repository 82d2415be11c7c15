// @ts-check
// The shapes the pebble emulator's modules share (JSDoc only; nothing here runs).

/**
 * @typedef {{ hostPath: (podPath: string) => string, scratchDir: string, log: (text: string) => void, exit: (code: number) => void }} ServiceIo
 *   what a program gets when pebble starts it: the container's paths on the host, a private scratch
 *   directory (on the same filesystem, outside the container's mounts), its output (one log entry
 *   a line), and exit(code), its process ending.
 * @typedef {{ start: (io: ServiceIo) => ({ stop?: () => void } | void), settled?: () => Promise<void> }} ServiceProgram
 *   an in-process stand-in for the service's command; stop() is SIGTERM (it should call io.exit soon);
 *   settled(): resolves once nothing it started (child processes) is still running.
 * @typedef {{ program: ServiceProgram, command?: string, summary?: string, override?: string,
 *   startup?: 'enabled' | 'disabled', 'on-success'?: 'restart' | 'ignore', 'on-failure'?: 'restart' | 'ignore',
 *   'backoff-delay'?: string, 'backoff-factor'?: number, 'backoff-limit'?: string, 'kill-delay'?: string }} ServiceSpec
 *   a service of the plan, with pebble's layer fields (durations as pebble writes them: "500ms", "30s").
 * @typedef {{ services?: Record<string, ServiceSpec>, okayDelayMs?: number, users?: Record<string, string>, groups?: Record<string, string> }} PebbleSpec
 *   a container's pebble. okayDelayMs: how long a started service must stay up to count as started
 *   (pebble: 1 s). users / groups: uid or gid -> name, beyond root and the container's user (app),
 *   as the image's /etc/passwd and /etc/group would name them.
 * @typedef {{ afterBytes: number, mode?: 'crash' | 'enospc' }} PushFault
 *   push stops writing the temp file after afterBytes bytes. 'crash' (default): the daemon dies
 *   there, as if killed: no answer, the "<name>.<n>~" temp file stays, the target is untouched.
 *   'enospc': pebble's own failure path: "write ...~: no space left on device", temp file removed.
 * @typedef {{ path: string, bytes: number, outcome: 'writing' | 'written' | 'failed' | 'crashed', tmp?: string,
 *   mode?: number, uid?: number, gid?: number, error?: string }} PushRecord
 * @typedef {{ method: string, path: string, query: string, status?: number }} PebbleRequest
 */

export {};
