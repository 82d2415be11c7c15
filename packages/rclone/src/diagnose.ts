/** What an rclone error message says went wrong, in terms a reader can act on. */
export type Problem = 'credentials' | 'unreachable' | 'bucket-missing' | 'ca-bundle' | 'other';

const RULES: [RegExp, Problem][] = [
  [
    /SignatureDoesNotMatch|InvalidAccessKeyId|AccessDenied|InvalidToken|ExpiredToken|status code: 40[13]|NoCredentialProviders|no valid providers/i,
    'credentials',
  ],
  [/LoadCustomCABundleError|x509:|certificate/i, 'ca-bundle'],
  [
    /connection refused|no such host|i\/o timeout|dial tcp|network is unreachable|connection reset|TLS handshake timeout|context deadline exceeded/i,
    'unreachable',
  ],
  [/NoSuchBucket|directory not found|bucket .* does not exist/i, 'bucket-missing'],
];

export function diagnose(text: string): Problem {
  for (const [pattern, problem] of RULES) if (pattern.test(text)) return problem;
  return 'other';
}

export const PROBLEM_HINTS: Record<Problem, string> = {
  credentials: 'the credentials were refused: check the access key and secret (or the AWS credential environment) and their permissions',
  unreachable: 'it could not be reached: check the endpoint, the network path and any port-forward',
  'bucket-missing': 'the bucket does not exist or is not visible to these credentials',
  'ca-bundle': 'TLS verification failed: check AWS_CA_BUNDLE or the server certificate',
  other: 'see the rclone messages above',
};
