// Accepted forms shared by several actions. Each returns true when the value is acceptable.

export const S3_BUCKET_FORM =
  'an S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit';

export function isBucketName(value: string): boolean {
  return (
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value) &&
    !value.includes('..') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(value) &&
    !value.startsWith('xn--')
  );
}

export const KEY_PREFIX_FORM =
  "an object key prefix: letters, digits and !-_.*'() separated by single '/', with no '.' or '..' segment and no leading or trailing '/'";

export function isKeyPrefix(value: string): boolean {
  if (value.length > 512 || !/^[A-Za-z0-9!_.*'()/-]+$/.test(value)) return false;
  const segments = value.split('/');
  return segments.every((s) => s !== '' && s !== '.' && s !== '..');
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
