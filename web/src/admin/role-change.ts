// Granting and revoking roles: the full role list a `user.set_roles` command carries after one change.
import type { CommandInput } from '@shared/commands';
import { ROLES, type Role } from '@shared/roles';

/**
 * The roles after turning one on or off, in the canonical order. Null when the change would leave the
 * person with no role (the command schema needs at least one), so the UI never offers it.
 */
export function withRole(current: readonly Role[], role: Role, on: boolean): Role[] | null {
  const next = ROLES.filter((r) => (r === role ? on : current.includes(r)));
  return next.length > 0 ? next : null;
}

/** The command payload for one toggle, or null when there is nothing to send (no change, or no role left). */
export function setRolesPayload(userId: string, current: readonly Role[], role: Role, on: boolean): CommandInput<'user.set_roles'> | null {
  if (current.includes(role) === on) return null;
  const roles = withRole(current, role, on);
  return roles ? { userId, roles } : null;
}

/** Whether this role is the person's last one: its switch cannot be turned off. */
export const isLastRole = (current: readonly Role[], role: Role): boolean => current.length === 1 && current[0] === role;

/** Whether the change takes the admin role away from the admin making it: worth a confirmation. */
export const revokesOwnAdmin = (meId: string, userId: string, role: Role, on: boolean): boolean => meId === userId && role === 'admin' && !on;
