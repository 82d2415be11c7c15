import * as core from '@actions/core';

/** The job's GitHub OIDC ID token for an audience (needs `permissions: id-token: write`); @actions/core masks it. */
export const gitHubIdToken = (audience: string): Promise<string> => core.getIDToken(audience);
