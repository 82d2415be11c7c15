import { existsSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ActionError, registerSecret } from '@ml-backup-actions/core';
import { parseIni } from './ini.js';

/** A CDP access key. `source` says where it came from, for logs; it never holds the key. */
export interface CdpCredentials {
  readonly accessKeyId: string;
  readonly privateKey: string;
  readonly source: string;
}

export interface CredentialOptions {
  /** Given by the caller (an action's inputs); both or neither. */
  accessKeyId?: string;
  privateKey?: string;
  /** A profile named by the caller; like cdpcli's --profile, it skips the environment variables. */
  profile?: string;
  env?: NodeJS.ProcessEnv;
}

/** Where a CDP profile's files are: ~/.cdp/credentials and ~/.cdp/config unless the env says otherwise. */
export function cdpFiles(env: NodeJS.ProcessEnv = process.env): { credentials: string; config: string } {
  const home = env.HOME || env.USERPROFILE || os.homedir();
  return {
    credentials: env.CDP_SHARED_CREDENTIALS_FILE || path.join(home, '.cdp', 'credentials'),
    config: env.CDP_CONFIG_FILE || path.join(home, '.cdp', 'config'),
  };
}

/** The profile cdpcli would use: the caller's, then CDP_DEFAULT_PROFILE, then CDP_PROFILE, then "default". */
export function profileName(options: { profile?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const env = options.env ?? process.env;
  return options.profile || env.CDP_DEFAULT_PROFILE || env.CDP_PROFILE || 'default';
}

/**
 * Finds the CDP access key as cdpcli does, caller first: the given id and key; then
 * CDP_ACCESS_KEY_ID with CDP_PRIVATE_KEY (a file path, or the key itself); then the profile in the
 * shared credentials file (cdp_access_key_id, cdp_private_key). The key is registered as a secret
 * as soon as it is read. Errors name every place looked at, never the key.
 */
export function resolveCredentials(options: CredentialOptions = {}): CdpCredentials {
  const env = options.env ?? process.env;
  registerSecret(options.privateKey);
  registerSecret(env.CDP_PRIVATE_KEY);
  const looked: string[] = [];

  if (options.accessKeyId || options.privateKey) {
    if (!options.accessKeyId || !options.privateKey) {
      throw new ActionError(
        `Partial CDP credentials from the caller: ${options.accessKeyId ? 'the private key' : 'the access key id'} is missing. Give both the access key id and the private key, or neither to use CDP_ACCESS_KEY_ID/CDP_PRIVATE_KEY or a ~/.cdp profile.`,
      );
    }
    return { accessKeyId: options.accessKeyId.trim(), privateKey: options.privateKey, source: 'inputs' };
  }
  looked.push('no access key id and private key given as inputs');

  if (options.profile) {
    looked.push(`environment variables skipped because profile "${options.profile}" was named`);
  } else {
    const fromEnv = credentialsFromEnv(env);
    if (fromEnv) return fromEnv;
    looked.push('CDP_ACCESS_KEY_ID and CDP_PRIVATE_KEY are not set');
  }

  const profile = profileName({ profile: options.profile, env });
  const file = cdpFiles(env).credentials;
  const fromFile = credentialsFromFile(file, profile);
  if (fromFile) return fromFile;
  looked.push(existsSync(file) ? `${file} has no profile [${profile}]` : `${file} does not exist (profile "${profile}")`);
  throw new ActionError(
    `No CDP credentials found: ${looked.join('; ')}. Set the access key id and private key inputs (from secrets), ` +
      'or CDP_ACCESS_KEY_ID and CDP_PRIVATE_KEY, or write the profile with `cdp configure`.',
  );
}

function credentialsFromEnv(env: NodeJS.ProcessEnv): CdpCredentials | undefined {
  const id = env.CDP_ACCESS_KEY_ID?.trim();
  const value = env.CDP_PRIVATE_KEY;
  if (!id && !value) return undefined;
  if (!id || !value) {
    throw new ActionError(
      `Partial CDP credentials in the environment: ${id ? 'CDP_PRIVATE_KEY' : 'CDP_ACCESS_KEY_ID'} is not set while ${id ? 'CDP_ACCESS_KEY_ID' : 'CDP_PRIVATE_KEY'} is. Set both, or neither to use a ~/.cdp profile.`,
    );
  }
  // cdpcli reads CDP_PRIVATE_KEY as a file path first, the content verbatim.
  if (!value.includes('\n') && value.length < 4096 && isFile(value)) {
    const key = readKeyFile(value, 'CDP_PRIVATE_KEY');
    return { accessKeyId: id, privateKey: key, source: `CDP_ACCESS_KEY_ID and the file named by CDP_PRIVATE_KEY (${value})` };
  }
  // cdpcli then takes only a 44-character Ed25519 key; a PEM given inline (a common secret form) is accepted too.
  if (value.trim().length === 44 || value.trim().startsWith('-----BEGIN')) {
    return { accessKeyId: id, privateKey: value, source: 'CDP_ACCESS_KEY_ID and CDP_PRIVATE_KEY' };
  }
  throw new ActionError(
    'CDP_PRIVATE_KEY is neither an existing file nor a 44-character Ed25519 key nor a PEM key (the value is not shown). ' +
      'Set it to the key itself or to the path of a file holding it.',
  );
}

function credentialsFromFile(file: string, profile: string): CdpCredentials | undefined {
  if (!isFile(file)) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ActionError(`Cannot read the CDP credentials file ${file}: ${codeOf(err)}. Check its permissions.`);
  }
  const section = parseIni(text).get(profile);
  if (!section) return undefined;
  const id = section.get('cdp_access_key_id');
  const raw = section.get('cdp_private_key');
  registerSecret(raw);
  const key = raw?.replace(/\\n/g, '\n');
  registerSecret(key);
  if (!id || !key) {
    const missing = [!id && 'cdp_access_key_id', !key && 'cdp_private_key'].filter(Boolean).join(' and ');
    throw new ActionError(`Profile [${profile}] in ${file} has no ${missing}. Run \`cdp configure --profile ${profile}\` or add the key to the file.`);
  }
  return { accessKeyId: id, privateKey: key, source: `profile "${profile}" in ${file}` };
}

function readKeyFile(file: string, what: string): string {
  try {
    const key = readFileSync(file, 'utf8');
    registerSecret(key);
    return key;
  } catch (err) {
    throw new ActionError(`Cannot read the private key file named by ${what} (${file}): ${codeOf(err)}. Check that the file exists and is readable.`);
  }
}

function isFile(p: string): boolean {
  try {
    return p !== '' && statSync(p).isFile();
  } catch {
    return false;
  }
}

function codeOf(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null;
  return typeof e?.code === 'string' ? e.code : typeof e?.message === 'string' ? e.message : 'unknown error';
}
