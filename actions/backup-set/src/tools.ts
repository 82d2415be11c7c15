import { runProcess } from '@ml-backup-actions/core';

/** The version line of each tool the set depends on; "not found" when it is not on PATH. */
export async function toolVersions(env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<Record<string, string>> {
  const probes: [string, string, string[], (out: string) => string][] = [
    ['rclone', 'rclone', ['version'], (o) => o.split('\n')[0].replace(/^rclone\s+/, '')],
    ['sqlite3', 'sqlite3', ['--version'], (o) => o.split(' ')[0]],
    ['juju', 'juju', ['version'], (o) => o.split('\n')[0]],
    [
      'kubectl',
      'kubectl',
      ['version', '--client', '-o', 'json'],
      (o) => String((JSON.parse(o) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion ?? 'unknown'),
    ],
  ];
  const versions: Record<string, string> = { node: process.version, 'ml-backup-actions': env.GITHUB_ACTION_REF || env.GITHUB_SHA || 'unknown' };
  await Promise.all(
    probes.map(async ([name, binary, args, pick]) => {
      const out: string[] = [];
      try {
        const result = await runProcess(binary, args, {
          env,
          signal: AbortSignal.any([signal, AbortSignal.timeout(15_000)]),
          onStdoutLine: (l) => out.push(l),
        });
        versions[name] = result.code === 0 ? pick(out.join('\n')).trim() || 'unknown' : `failed (exit ${result.code})`;
      } catch {
        versions[name] = 'not found';
      }
    }),
  );
  return Object.fromEntries(Object.entries(versions).sort(([a], [b]) => a.localeCompare(b)));
}

/** The run that makes the set, from the runner's environment. */
export function runInfo(env: NodeJS.ProcessEnv) {
  const info = {
    repository: env.GITHUB_REPOSITORY,
    workflow: env.GITHUB_WORKFLOW,
    runId: env.GITHUB_RUN_ID,
    runAttempt: env.GITHUB_RUN_ATTEMPT,
    sha: env.GITHUB_SHA,
    url:
      env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
        ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
        : undefined,
  };
  const defined = Object.fromEntries(Object.entries(info).filter(([, v]) => v));
  return Object.keys(defined).length ? defined : undefined;
}
