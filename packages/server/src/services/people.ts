// People as the workflow sees them: a user with the groups of the user directory and the groups
// the policy bundle's `groups:` block puts them in (DESIGN §4: groups come from either).

import type { Person, PolicyBundle } from '@tollgate/core';
import type { User } from '../stores/records.js';

/** The bundle groups that list this user (by name or id). */
export function bundleGroupsOf(bundle: PolicyBundle, user: Pick<User, 'id' | 'name'>): string[] {
  return Object.values(bundle.groups)
    .filter((group) => group.members.includes(user.name) || group.members.includes(user.id))
    .map((group) => group.name);
}

export function personOf(user: User, bundle: PolicyBundle): Person {
  return { id: user.id, name: user.name, groups: [...new Set([...user.groups, ...bundleGroupsOf(bundle, user)])] };
}

/** Names or ids of the bundle's members of these groups. */
export function bundleMembers(bundle: PolicyBundle, groups: string[]): string[] {
  return groups.flatMap((name) => (Object.hasOwn(bundle.groups, name) ? bundle.groups[name]!.members : []));
}
