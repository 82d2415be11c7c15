// Kubernetes RBAC as the API server's authorizer applies it to one user: Roles and ClusterRoles,
// bound by RoleBindings (one namespace) and ClusterRoleBindings (every namespace and the cluster
// scope), their rules matched on API group, resource (or resource/subresource), verb and
// resourceNames. Until objects are set, everything is allowed (the sandbox's default user).

/**
 * @typedef {{ apiGroups?: string[], resources?: string[], verbs: string[], resourceNames?: string[] }} PolicyRule
 * @typedef {{ kind: string, name: string, namespace?: string, apiGroup?: string }} Subject
 * @typedef {{ kind: string, metadata?: { name?: string, namespace?: string }, rules?: PolicyRule[],
 *   roleRef?: { kind: string, name: string, apiGroup?: string }, subjects?: Subject[] }} RbacObject
 * @typedef {{ verb: string, group?: string, resource: string, subresource?: string, namespace?: string, name?: string }} Attributes
 */

const KINDS = ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'];

/**
 * The subjects a user name stands for: the user itself, and for a service account
 * ("system:serviceaccount:<ns>:<name>") the account and its groups.
 * @param {Subject} s @param {string} user
 */
function subjectMatches(s, user) {
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(user);
  if (s.kind === 'User') return s.name === user;
  if (s.kind === 'ServiceAccount') return Boolean(sa && s.name === sa[2] && s.namespace === sa[1]);
  if (s.kind === 'Group') {
    const groups = ['system:authenticated', ...(sa ? ['system:serviceaccounts', `system:serviceaccounts:${sa[1]}`] : [])];
    return groups.includes(s.name);
  }
  return false;
}

/** @param {PolicyRule} rule @param {Attributes} a */
function ruleAllows(rule, a) {
  const group = a.group ?? '';
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const resources = rule.resources ?? [];
  return (
    (rule.apiGroups ?? []).some((g) => g === '*' || g === group) &&
    resources.some((r) => r === '*' || r === resource || (a.subresource && r === `*/${a.subresource}`)) &&
    rule.verbs.some((v) => v === '*' || v === a.verb) &&
    (!rule.resourceNames?.length || (a.name !== undefined && rule.resourceNames.includes(a.name)))
  );
}

/** @param {string} user */
export function createRbac(user) {
  /** @type {RbacObject[] | undefined} */
  let objects;

  /** @param {string} kind @param {string} name @param {string} [namespace] */
  const role = (kind, name, namespace) =>
    objects?.find((o) => o.kind === kind && o.metadata?.name === name && (kind === 'ClusterRole' || o.metadata?.namespace === namespace));

  return {
    /**
     * Replaces the objects (Role, ClusterRole, RoleBinding, ClusterRoleBinding, as from YAML);
     * undefined allows everything again.
     * @param {RbacObject[] | undefined} docs
     */
    set(docs) {
      for (const d of docs ?? []) {
        if (!KINDS.includes(d.kind)) throw new Error(`kube sandbox rbac: ${d.kind} is not one of ${KINDS.join(', ')}`);
        if (!d.metadata?.name) throw new Error(`kube sandbox rbac: a ${d.kind} without metadata.name`);
        if ((d.kind === 'Role' || d.kind === 'RoleBinding') && !d.metadata.namespace) {
          throw new Error(`kube sandbox rbac: ${d.kind} ${d.metadata.name} has no metadata.namespace`);
        }
      }
      objects = docs;
    },
    /** @param {Attributes} a */
    allows(a) {
      if (!objects) return true;
      for (const b of objects) {
        if (b.kind !== 'RoleBinding' && b.kind !== 'ClusterRoleBinding') continue;
        if (!b.roleRef || !(b.subjects ?? []).some((s) => subjectMatches(s, user))) continue;
        // A RoleBinding grants in its own namespace only, never at the cluster scope.
        if (b.kind === 'RoleBinding' && (a.namespace === undefined || a.namespace !== b.metadata?.namespace)) continue;
        const r = role(b.roleRef.kind, b.roleRef.name, b.metadata?.namespace);
        if (r && (r.rules ?? []).some((rule) => ruleAllows(rule, a))) return true;
      }
      return false;
    },
  };
}
