// Secrets for notification channels, which the policy names by environment variable and which
// are read here only, at the moment they are needed, so a rotated secret applies without a restart.

/** The value of a named secret, or undefined when it is not set. */
export type SecretLookup = (name: string) => string | undefined;

export function environmentSecrets(env: Record<string, string | undefined> = process.env): SecretLookup {
  return (name) => {
    const value = env[name];
    return value === undefined || value === '' ? undefined : value;
  };
}
