// A TokenCredential for Azure from the GitHub Actions OIDC token (workload identity federation).
//
// ClientAssertionCredential asks for the assertion every time MSAL needs a new access token, so a
// job that waits for hours keeps working: each refresh presents a fresh GitHub ID token (those live
// about 5-10 minutes), unlike `azure/login` + AzureCliCredential, which fails with AADSTS700024
// once the first access token expires.
import { ClientAssertionCredential, type ClientAssertionCredentialOptions, type TokenCredential } from '@azure/identity';
import { retry, type Logger } from '@ml-backup-actions/core';

/** The audience Entra ID expects in a federated GitHub ID token (public cloud). */
export const GITHUB_TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';

/** Fetches a GitHub Actions OIDC ID token for an audience: `(aud) => core.getIDToken(aud)` from `@actions/core`. */
export type IdTokenProvider = (audience: string) => Promise<string>;

export interface GitHubOidcCredentialOptions {
  /** Directory (tenant) id of the app registration. */
  tenantId: string;
  /** Application (client) id of the app registration that has the federated credential. */
  clientId: string;
  /**
   * Gets a fresh GitHub ID token. Pass `(aud) => core.getIDToken(aud)` (packages other than core do not
   * import `@actions/*`); it is called on every token refresh, never cached here. The workflow needs
   * `permissions: id-token: write`.
   */
  getIdToken: IdTokenProvider;
  /** Audience to request; default `api://AzureADTokenExchange` (US Gov: `api://AzureADTokenExchangeUSGov`). */
  audience?: string;
  /** Entra ID authority host, e.g. `https://login.microsoftonline.com` (default) or the sandbox. */
  authorityHost?: string;
  /** Skip MSAL's instance discovery (required for a non-Microsoft authority host such as the sandbox). */
  disableInstanceDiscovery?: boolean;
  /**
   * Attempts at fetching the ID token (default 3, jittered backoff from 500 ms). The SDK refreshes access
   * tokens in the background during their last 2 minutes and does not handle a failure of that refresh
   * (an unhandled rejection, which runAction records as a failure), so a transient error of the GitHub
   * token endpoint is retried here rather than surfaced.
   */
  idTokenAttempts?: number;
  log?: Logger;
  /** Anything else ClientAssertionCredential accepts (tlsOptions, retryOptions, httpClient, ...). */
  clientOptions?: ClientAssertionCredentialOptions;
}

/** Counts and timestamps of assertions handed out, for logs and tests. */
export interface AssertionStats {
  readonly assertions: number;
  readonly lastAssertionAt?: Date;
}

export type GitHubOidcCredential = TokenCredential & { readonly stats: AssertionStats };

/**
 * `new ClientAssertionCredential(tenantId, clientId, () => getIdToken('api://AzureADTokenExchange'))`,
 * with validation of the ids and a clear error when GitHub does not hand out an ID token.
 */
export function gitHubOidcCredential(options: GitHubOidcCredentialOptions): GitHubOidcCredential {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  if (!uuid.test(options.tenantId) && !/^[a-z0-9.-]+\.[a-z]{2,}$/i.test(options.tenantId)) {
    throw new Error(`Azure tenant id '${options.tenantId}' is neither a GUID nor a domain name`);
  }
  if (!uuid.test(options.clientId)) throw new Error(`Azure client id '${options.clientId}' is not a GUID`);
  const audience = options.audience ?? GITHUB_TOKEN_EXCHANGE_AUDIENCE;
  const stats: { assertions: number; lastAssertionAt?: Date } = { assertions: 0 };
  const getAssertion = async (): Promise<string> => {
    let token: string;
    try {
      token = await retry(() => options.getIdToken(audience), {
        label: 'GitHub OIDC ID token',
        attempts: options.idTokenAttempts ?? 3,
        baseMs: 500,
        maxMs: 5_000,
        retryable: () => true,
        log: options.log,
      });
    } catch (err) {
      throw new Error(
        `could not get a GitHub OIDC ID token for audience '${audience}' (does the job have 'permissions: id-token: write'?): ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    stats.assertions++;
    stats.lastAssertionAt = new Date();
    return token;
  };
  const credential = new ClientAssertionCredential(options.tenantId, options.clientId, getAssertion, {
    ...options.clientOptions,
    ...(options.authorityHost ? { authorityHost: options.authorityHost } : {}),
    ...(options.disableInstanceDiscovery !== undefined ? { disableInstanceDiscovery: options.disableInstanceDiscovery } : {}),
  });
  return Object.assign(credential, { stats: stats as AssertionStats });
}
