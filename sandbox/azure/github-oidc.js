// @ts-check
// The Actions OIDC endpoint as @actions/core's getIDToken calls it: GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=...
// with the runtime token as bearer; answers { value: <JWT> } signed by the Azure emulator's GitHub issuer.
import http from 'node:http';

/**
 * @param {{ issueGitHubIdToken: (o: { audience: string }) => string }} azure
 * @returns {Promise<{ env: { ACTIONS_ID_TOKEN_REQUEST_URL: string, ACTIONS_ID_TOKEN_REQUEST_TOKEN: string },
 *   calls: { audience: string | null, authorized: boolean }[], failNext: (n: number) => void, stop: () => Promise<void> }>}
 */
export async function startGitHubOidc(azure) {
  const runtimeToken = 'runtime-token-for-oidc';
  /** @type {{ audience: string | null, authorized: boolean }[]} */
  const calls = [];
  let failures = 0; // the next N ID-token requests answer 503
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const authorized = req.headers.authorization === `Bearer ${runtimeToken}`;
    calls.push({ audience: url.searchParams.get('audience'), authorized });
    if (!authorized) return res.writeHead(401).end();
    if (failures > 0) {
      failures--;
      return res.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"Service Unavailable"}');
    }
    const audience = url.searchParams.get('audience') ?? 'https://github.com/acme';
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value: azure.issueGitHubIdToken({ audience }) }));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    env: {
      ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/_apis/distributedtask/hubs/build/plans/p/jobs/j/idtoken?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: runtimeToken,
    },
    calls,
    failNext: (n) => {
      failures = n;
    },
    stop: () => new Promise((r) => server.close(() => r(undefined))),
  };
}
