import { existsSync, readFileSync } from 'node:fs';
import { ActionError, maskUserinfo } from '@ml-backup-actions/core';
import { cdpFiles, profileName } from './credentials.js';
import { parseIni } from './ini.js';

/** The regions cdpcli's --cdp-region accepts. */
export const CDP_REGIONS = ['us-west-1', 'eu-1', 'ap-1', 'usg-1'] as const;
export type CdpRegion = (typeof CDP_REGIONS)[number];
export const DEFAULT_REGION: CdpRegion = 'us-west-1';

export interface EndpointOptions {
  /** Explicit region; "default" or empty means: CDP_REGION, then the profile's cdp_region, then us-west-1. */
  region?: string;
  /** Explicit base URL, such as https://api.us-west-1.cdp.cloudera.com or http://127.0.0.1:8080; one "%s" becomes "api". */
  endpointUrl?: string;
  profile?: string;
  env?: NodeJS.ProcessEnv;
}

export interface CdpEndpoint {
  /** Base URL without a trailing slash; operations go to <base>/api/v1/<service>/<operation>. */
  readonly baseUrl: string;
  readonly region: string;
  /** Where the base URL came from, for logs. */
  readonly source: string;
}

/** The base URL of a region's CDP control plane (endpoint.py): usg-1 is on clouderagovt.com. */
export function regionBaseUrl(region: string): string {
  return region === 'usg-1' ? 'https://api.usg-1.cdp.clouderagovt.com' : `https://api.${region}.cdp.cloudera.com`;
}

/**
 * Resolves the endpoint as cdpcli does, plus the Go SDK's environment variables: the explicit URL,
 * then CDP_ENDPOINT_URL, then the profile's cdp_endpoint_url; otherwise the region's host.
 */
export function resolveEndpoint(options: EndpointOptions = {}): CdpEndpoint {
  const env = options.env ?? process.env;
  const config = profileConfig(env, profileName({ profile: options.profile, env }));
  const region = pickRegion(options.region, env, config);
  const override: [string | undefined, string][] = [
    [options.endpointUrl, 'the endpoint URL given'],
    [env.CDP_ENDPOINT_URL, 'CDP_ENDPOINT_URL'],
    [config.get('cdp_endpoint_url'), 'cdp_endpoint_url in the CDP config file'],
  ];
  for (const [value, source] of override) {
    if (value?.trim()) return { baseUrl: checkUrl(value.trim(), source), region, source };
  }
  return { baseUrl: regionBaseUrl(region), region, source: `region ${region}` };
}

function pickRegion(explicit: string | undefined, env: NodeJS.ProcessEnv, config: Map<string, string>): string {
  const candidates: [string | undefined, string][] = [
    [explicit, 'The region given'],
    [env.CDP_REGION, 'CDP_REGION'],
    [config.get('cdp_region'), 'cdp_region in the CDP config file'],
  ];
  for (const [value, source] of candidates) {
    const v = value?.trim();
    if (!v || v === 'default') continue;
    if (!(CDP_REGIONS as readonly string[]).includes(v)) {
      throw new ActionError(
        `${source} is "${v}", which is not a CDP region; use one of ${CDP_REGIONS.join(', ')}, or give an endpoint URL for any other control plane.`,
      );
    }
    return v;
  }
  return DEFAULT_REGION;
}

function checkUrl(value: string, source: string): string {
  const shown = maskUserinfo(value);
  if (shown) {
    throw new ActionError(`${source} has a user name or password in it (${shown}); CDP signs requests with its access key, so give the URL without them.`);
  }
  const substituted = value.split('%s').length === 2 ? value.replace('%s', 'api') : value;
  let url: URL;
  try {
    url = new URL(substituted);
  } catch {
    throw new ActionError(`${source} is "${value}", which is not a URL; use a form like https://api.us-west-1.cdp.cloudera.com.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ActionError(`${source} is "${value}"; the CDP endpoint must be an http:// or https:// URL.`);
  }
  if (url.search || url.hash) throw new ActionError(`${source} is "${value}"; leave out the query and fragment.`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The profile's section of ~/.cdp/config ("[default]" or "[profile NAME]"), merged over its credentials-file section as cdpcli does. */
function profileConfig(env: NodeJS.ProcessEnv, profile: string): Map<string, string> {
  const files = cdpFiles(env);
  const merged = new Map<string, string>();
  for (const [file, section] of [
    [files.config, profile === 'default' ? 'default' : `profile ${profile}`],
    [files.credentials, profile],
  ] as const) {
    if (!existsSync(file)) continue;
    try {
      const values = parseIni(readFileSync(file, 'utf8')).get(section);
      for (const [k, v] of values ?? []) if (k === 'cdp_region' || k === 'cdp_endpoint_url') merged.set(k, v);
    } catch {
      // An unreadable config file only loses the optional settings; credentials errors name it.
    }
  }
  return merged;
}
