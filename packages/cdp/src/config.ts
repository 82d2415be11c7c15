import { registerSecret, type Inputs, type Logger } from '@ml-backup-actions/core';
import { CdpClient } from './client.js';
import { resolveCredentials, type CdpCredentials } from './credentials.js';
import { CDP_REGIONS, resolveEndpoint, type CdpEndpoint } from './endpoint.js';
import { MlApi } from './ml.js';

/** An action's CDP inputs, as given; empty means "look further" (environment, ~/.cdp profile, region default). */
export interface CdpConnectionConfig {
  accessKeyId: string;
  privateKey: string;
  region: string;
  endpointUrl: string;
  profile: string;
}

/**
 * Reads the inputs cdp-access-key-id, cdp-private-key (masked at once, each line of a PEM too),
 * cdp-region, cdp-endpoint-url and cdp-profile. Problems are collected in `inputs`.
 */
export function readCdpConnection(inputs: Inputs): CdpConnectionConfig {
  const config = {
    accessKeyId: inputs.text('cdp-access-key-id', { form: 'a CDP access key id (a UUID)', valid: (v) => /^[A-Za-z0-9-]{1,128}$/.test(v) }),
    privateKey: inputs.secret('cdp-private-key', { multiline: true }),
    region: inputs.text('cdp-region', {
      form: `one of ${CDP_REGIONS.join(', ')}`,
      valid: (v) => v === 'default' || (CDP_REGIONS as readonly string[]).includes(v),
    }),
    endpointUrl: inputs.text('cdp-endpoint-url', {
      form: 'an http(s) URL such as https://api.us-west-1.cdp.cloudera.com',
      valid: (v) => /^https?:\/\/[^\s]+$/.test(v),
    }),
    profile: inputs.text('cdp-profile', { form: 'a profile name in ~/.cdp/credentials', valid: (v) => /^[\w.-]+$/.test(v) }),
  };
  // Inputs masks a multi-line value whole; each line of a PEM is a secret of its own too.
  registerSecret(config.privateKey);
  inputs.require(
    !config.accessKeyId === !config.privateKey,
    config.accessKeyId ? 'cdp-private-key' : 'cdp-access-key-id',
    'must be given together with the other CDP key input, or both left empty to use CDP_ACCESS_KEY_ID/CDP_PRIVATE_KEY or a ~/.cdp profile.',
  );
  return config;
}

export interface CdpConnection {
  credentials: CdpCredentials;
  endpoint: CdpEndpoint;
  client: CdpClient;
  ml: MlApi;
}

/** Resolves credentials and endpoint from the config (then env, then ~/.cdp), and builds the client. */
export function connectCdp(
  config: Partial<CdpConnectionConfig>,
  options: { log?: Logger; env?: NodeJS.ProcessEnv; timeoutMs?: number; attempts?: number } = {},
): CdpConnection {
  const env = options.env ?? process.env;
  const credentials = resolveCredentials({
    accessKeyId: config.accessKeyId || undefined,
    privateKey: config.privateKey || undefined,
    profile: config.profile || undefined,
    env,
  });
  const endpoint = resolveEndpoint({ region: config.region, endpointUrl: config.endpointUrl, profile: config.profile || undefined, env });
  const client = new CdpClient({ credentials, endpoint, log: options.log, timeoutMs: options.timeoutMs, attempts: options.attempts });
  options.log?.info(
    `CDP: ${endpoint.baseUrl} (${endpoint.source}), access key ${credentials.accessKeyId} from ${credentials.source}, signing ${client.authMethod}`,
  );
  return { credentials, endpoint, client, ml: new MlApi(client) };
}
