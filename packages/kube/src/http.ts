import http from 'node:http';
import https from 'node:https';
import {
  CoreV1Api,
  CustomObjectsApi,
  ResponseContext,
  ServerConfiguration,
  createConfiguration,
  wrapHttpLibrary,
  type KubeConfig,
  type RequestContext,
} from '@kubernetes/client-node';

/**
 * client-node's API calls over node:http(s) instead of its bundled node-fetch 2, which calls
 * url.parse() on every request: Node 24 prints a deprecation warning for that in a bundle (where no
 * code is under node_modules). The request, its agent (TLS and client certificates from the
 * kubeconfig) and its headers (the token) are the ones client-node prepared.
 */
const nodeHttp = wrapHttpLibrary({
  send(request: RequestContext): Promise<ResponseContext> {
    const url = new URL(request.getUrl());
    const transport = url.protocol === 'https:' ? https : http;
    const body = request.getBody();
    if (body !== undefined && typeof body !== 'string')
      return Promise.reject(new Error('the Kubernetes client sent a form body, which this client does not send'));
    return new Promise((resolve, reject) => {
      const req = transport.request(
        url,
        { method: request.getHttpMethod(), headers: request.getHeaders(), agent: request.getAgent(), signal: request.getSignal() },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const data = Buffer.concat(chunks);
            const headers: Record<string, string> = {};
            for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
            resolve(new ResponseContext(res.statusCode ?? 0, headers, { text: async () => data.toString('utf8'), binary: async () => data }));
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  },
});

/** What KubeConfig.makeApiClient builds, with the node:http(s) library above. */
export function makeApiClient<T>(kc: KubeConfig, api: new (configuration: ReturnType<typeof createConfiguration>) => T): T {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('No active cluster!');
  return new api(createConfiguration({ baseServer: new ServerConfiguration(cluster.server, {}), authMethods: { default: kc }, httpApi: nodeHttp }));
}

export const coreApi = (kc: KubeConfig): CoreV1Api => makeApiClient(kc, CoreV1Api);
export const customObjectsApi = (kc: KubeConfig): CustomObjectsApi => makeApiClient(kc, CustomObjectsApi);
