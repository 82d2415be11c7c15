// @ts-check
// metav1.Status objects, shaped as kube-apiserver and the kubelet write them.

/** @param {number} code @param {string} reason @param {string} message @param {object} [details] */
export function failure(code, reason, message, details) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

export const unauthorized = () => failure(401, 'Unauthorized', 'Unauthorized');

/** `pods "mlmd-0" not found` @param {string} resource @param {string} name @param {string} [group] */
export const notFound = (resource, name, group = '') =>
  failure(404, 'NotFound', `${group ? `${resource}.${group}` : resource} "${name}" not found`, { name, ...(group ? { group } : {}), kind: resource });

/** The apiserver's answer to a path it serves nothing at (an API group that is not installed). */
export const pathNotFound = () => failure(404, 'NotFound', 'the server could not find the requested resource', {});

/**
 * `pods "mlmd-0" is forbidden: User "u" cannot get resource "pods" in API group "" in the namespace "kubeflow"`, or
 * "at the cluster scope" for a request across all namespaces (namespace '').
 * @param {{ user: string, verb: string, resource: string, subresource?: string, group?: string, namespace: string, name?: string }} a
 */
export function forbidden(a) {
  const group = a.group ?? '';
  const full = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const subject = a.name ? `${group ? `${a.resource}.${group}` : a.resource} "${a.name}"` : group ? `${a.resource}.${group}` : a.resource;
  return failure(
    403,
    'Forbidden',
    `${subject} is forbidden: User "${a.user}" cannot ${a.verb} resource "${full}" in API group "${group}" ${a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope'}`,
    { ...(a.name ? { name: a.name } : {}), ...(group ? { group } : {}), kind: a.resource },
  );
}

/** @param {string} message */
export const badRequest = (message) => failure(400, 'BadRequest', message);

export const methodNotAllowed = () => failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});

// On the exec status channel (3), the kubelet writes these without kind/apiVersion.

export const execSuccess = () => ({ metadata: {}, status: 'Success' });

/** @param {string[]} command @param {number} code */
export const execNonZeroExit = (command, code) => ({
  metadata: {},
  status: 'Failure',
  message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
  reason: 'NonZeroExitCode',
  details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
});

/**
 * What containerd reports through the kubelet when the executable is not in the image.
 * @param {string[]} command @param {string} execId
 */
export function execNotFound(command, execId) {
  const cause =
    `error executing command in container: failed to exec in container: failed to start exec "${execId}": ` +
    `OCI runtime exec failed: exec failed: unable to start container process: exec: "${command[0]}": ` +
    `${command[0].includes('/') ? 'stat ' + command[0] + ': no such file or directory' : 'executable file not found in $PATH'}: unknown`;
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${cause}`,
    reason: 'InternalError',
    details: { causes: [{ message: cause }] },
    code: 500,
  };
}
