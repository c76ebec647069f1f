// Which refused role changes belong to which person, so the users list can show the reason beside them.
import type { RejectedCommand } from '../sync/client';

/**
 * Groups the device's undismissed refusals of `user.set_roles` by the person the command was about.
 * `commands` are the stored command documents (their payload names the person); a refusal whose command
 * is not (yet) found locally is left out rather than guessed.
 */
export function refusalsByUser(rejected: readonly RejectedCommand[], commands: readonly { id: string; payload: string }[]): Map<string, RejectedCommand[]> {
  const payloads = new Map(commands.map((c) => [c.id, c.payload]));
  const out = new Map<string, RejectedCommand[]>();
  for (const r of rejected) {
    if (r.type !== 'user.set_roles') continue;
    const userId = userIdOf(payloads.get(r.id));
    if (!userId) continue;
    out.set(userId, [...(out.get(userId) ?? []), r]);
  }
  return out;
}

function userIdOf(payload: string | undefined): string | undefined {
  if (!payload) return undefined;
  try {
    const p = JSON.parse(payload) as { userId?: unknown };
    return typeof p.userId === 'string' ? p.userId : undefined;
  } catch {
    return undefined;
  }
}
