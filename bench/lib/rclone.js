// @ts-check
// rclone as the actions run it: remotes from RCLONE_CONFIG_* variables alone, AWS_CA_BUNDLE as --ca-cert.

export const CA_BUNDLE = process.env.AWS_CA_BUNDLE || undefined;

/** --ca-cert for AWS_CA_BUNDLE, as the actions pass it. */
export const caArgs = () => (CA_BUNDLE ? ['--ca-cert', CA_BUNDLE] : []);

/**
 * rclone's environment: the inherited one minus RCLONE_CONFIG_* and AWS_CA_BUNDLE (rclone 1.60
 * fails on the variable; it is given as --ca-cert), plus `remotes`.
 * @param {Record<string, string>} remotes RCLONE_CONFIG_* for the remotes
 */
export function rcloneEnv(remotes) {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('RCLONE_CONFIG_')) delete env[key];
  delete env.AWS_CA_BUNDLE;
  return Object.assign(env, remotes);
}
