import { Readable, Writable } from 'node:stream';
import { ActionError, type Logger } from '@ml-backup-actions/core';
import { ExecError, type KubeClient } from '@ml-backup-actions/kube';

/** Juju puts pebble's CLI here in every workload container, with PEBBLE_SOCKET set. */
export const PEBBLE = '/charm/bin/pebble';

export interface PebbleTarget {
  namespace: string;
  pod: string;
  container: string;
}

/** A file as `pebble ls -l` shows it (read through its JSON form, for the numeric ids). */
export interface FileInfo {
  path: string;
  type: string;
  /** Octal, as pebble prints it: "644". */
  permissions: string;
  userId: number;
  groupId: number;
  user?: string;
  group?: string;
  size?: number;
}

/** The container's pebble, through its CLI over the exec API: files pulled and pushed, the service stopped and started. */
export class Pebble {
  constructor(
    private readonly kube: KubeClient,
    readonly target: PebbleTarget,
    private readonly log: Logger,
  ) {}

  /** Runs `pebble <args>`; resolves with its stdout, text. */
  async run(args: string[], signal: AbortSignal, stdin?: Readable): Promise<string> {
    const chunks: Buffer[] = [];
    const out = new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk);
        done();
      },
    });
    try {
      await this.kube.execToStream({ ...this.target, command: [PEBBLE, ...args], stdout: out, stdin, signal, log: this.log });
    } catch (err) {
      if (err instanceof ExecError && err.stderr.trim()) throw new ActionError(`pebble ${args[0]} in ${this.where}: ${err.stderr.trim()}`, { cause: err });
      throw err;
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  get where(): string {
    return `${this.target.namespace}/${this.target.pod} (container ${this.target.container})`;
  }

  /** `pebble pull <path> /dev/stdout` into out. */
  async pull(file: string, out: Writable, signal: AbortSignal): Promise<void> {
    await this.kube.execToStream({ ...this.target, command: [PEBBLE, 'pull', file, '/dev/stdout'], stdout: out, signal, log: this.log });
  }

  /** `pebble push -m <mode> --uid <n> --gid <n> /dev/stdin <path>`: a temp file beside it, renamed over it (atomic). */
  async push(input: Readable, file: string, owner: FileInfo, signal: AbortSignal): Promise<void> {
    await this.run(['push', '-m', owner.permissions, '--uid', String(owner.userId), '--gid', String(owner.groupId), '/dev/stdin', file], signal, input);
  }

  /** The files matching a path or glob; [] when there is none. */
  async list(pattern: string, signal: AbortSignal): Promise<FileInfo[]> {
    let text: string;
    try {
      text = await this.run(['ls', ...(/[*?[]/.test(pattern) ? [] : ['-d']), '-l', '--format', 'json', pattern], signal);
    } catch (err) {
      if (/no such file or directory|no matches found/i.test(String((err as Error).message))) return [];
      throw err;
    }
    const parsed = JSON.parse(text) as { files?: Record<string, unknown>[] };
    return (parsed.files ?? []).map((f) => ({
      path: String(f.path),
      type: String(f.type),
      permissions: String(f.permissions),
      userId: Number(f['user-id']),
      groupId: Number(f['group-id']),
      user: f.user === undefined ? undefined : String(f.user),
      group: f.group === undefined ? undefined : String(f.group),
      size: f.size === undefined ? undefined : Number(f.size),
    }));
  }

  async stat(file: string, signal: AbortSignal): Promise<FileInfo | undefined> {
    return (await this.list(file, signal)).find((f) => f.path === file);
  }

  async remove(file: string, signal: AbortSignal): Promise<void> {
    await this.run(['rm', file], signal);
  }

  async stop(service: string, signal: AbortSignal): Promise<void> {
    await this.run(['stop', service], signal);
  }

  async start(service: string, signal: AbortSignal): Promise<void> {
    await this.run(['start', service], signal);
  }

  /** The service's Current column of `pebble services <svc>`: active, inactive, backoff, error. */
  async current(service: string, signal: AbortSignal): Promise<string> {
    const text = await this.run(['services', service], signal);
    const row = text.split('\n').find((l) => l.split(/\s+/)[0] === service);
    const current = row?.split(/\s+/)[2];
    if (!current) throw new ActionError(`pebble services ${service} in ${this.where} shows no service ${service}:\n${text}`);
    return current;
  }

  /** The service's last n log lines. */
  async logs(service: string, n: number, signal: AbortSignal): Promise<string[]> {
    return (await this.run(['logs', '-n', String(n), service], signal)).split('\n').filter(Boolean);
  }
}
