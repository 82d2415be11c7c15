// Accepted forms shared by several actions. Each returns true when the value is acceptable.

export const S3_BUCKET_FORM = 'an S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit';

export function isBucketName(value: string): boolean {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value) && !value.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(value) && !value.startsWith('xn--');
}

export const KEY_PREFIX_FORM =
  "an object key prefix: letters, digits and !-_.*'() separated by single '/', with no '.' or '..' segment and no leading or trailing '/'";

export function isKeyPrefix(value: string): boolean {
  if (value.length > 512 || !/^[A-Za-z0-9!_.*'()/-]+$/.test(value)) return false;
  const segments = value.split('/');
  return segments.every((s) => s !== '' && s !== '.' && s !== '..');
}

/**
 * A URL with a user name or password in it ("https://key:secret@host"), said without them. The
 * check is textual: scheme://, then an '@' before the first '/', as a URL parser would read it.
 */
export function withoutUserinfo(value: string): { userinfo: string; shown: string } | undefined {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#]*)@/.exec(value);
  return m ? { userinfo: m[2], shown: `${m[1]}***@${value.slice(m[0].length)}` } : undefined;
}

export const ENDPOINT_FORM = 'an http:// or https:// URL with a host, and no user, query or fragment (for example https://s3.example.com:9000)';

export function isEndpoint(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    url.hostname !== '' &&
    !url.username &&
    !url.password &&
    !url.search &&
    !url.hash &&
    /^[A-Za-z0-9.:/[\]_-]+$/.test(value)
  );
}

export const REGION_FORM = 'a region name of lowercase letters, digits and hyphens (for example eu-central-1)';

export function isRegion(value: string): boolean {
  return /^[a-z0-9]([a-z0-9-]{0,48}[a-z0-9])?$/.test(value);
}

export const BANDWIDTH_FORM = "a rate in bytes per second with an optional K, M, G or T suffix (for example 20M), optionally 'upload:download' (10M:100K)";

export function isBandwidth(value: string): boolean {
  const rate = '\\d+(\\.\\d+)?[BKMGT]?';
  return new RegExp(`^${rate}(:${rate})?$`, 'i').test(value);
}

export const DNS_LABEL_FORM = 'a Kubernetes name (DNS-1123 label): 1 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit';

export function isDnsLabel(value: string): boolean {
  return /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(value);
}

export const DNS_SUBDOMAIN_FORM =
  'a Kubernetes object name (DNS-1123 subdomain): up to 253 lowercase letters, digits, hyphens and dots, starting and ending with a letter or digit';

export function isDnsSubdomain(value: string): boolean {
  return value.length <= 253 && value.split('.').every((part) => /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(part));
}

export const ABSOLUTE_PATH_FORM = "an absolute file path of letters, digits and ._-/ with no '.' or '..' segment (for example /data/mlmd.db)";

export function isAbsoluteFilePath(value: string): boolean {
  if (value.length > 1024 || !/^\/[A-Za-z0-9._/-]+$/.test(value) || value.endsWith('/')) return false;
  return value
    .slice(1)
    .split('/')
    .every((s) => s !== '' && s !== '.' && s !== '..');
}

export const JUJU_MODEL_FORM = 'a Juju model name, optionally qualified as [controller:][owner/]model (for example kubeflow or admin/kubeflow)';

export function isJujuModel(value: string): boolean {
  return /^([a-z0-9][a-z0-9_-]*:)?([a-z0-9][a-z0-9.+@_-]*\/)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(value);
}

export const JUJU_APPLICATION_FORM =
  'a Juju application name: lowercase letters, digits and hyphens, starting with a letter, no part after a hyphen made of digits only (for example kfp-metadata-writer)';

export function isJujuApplication(value: string): boolean {
  return value.length <= 63 && /^[a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*$/.test(value);
}

export const BACKUP_ID_FORM =
  'a backup id of 1 to 64 letters, digits, dots, underscores and hyphens, starting with a letter or digit (for example 20261122T013045Z)';

export function isBackupId(value: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(value);
}
