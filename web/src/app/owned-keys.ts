// What a person keeps on this device in localStorage, under `<prefix><owner>.<name>` (drafts, money figures last
// read), the owner being their database's name: every `fw.` key goes at sign-out, and another person's at sign-in
// (wipe-device.ts).

/** The keys under `prefix` kept for someone else than `owner`. */
export function othersKeys(prefix: string, owner: string): string[] {
  return Object.keys(localStorage).filter((k) => k.startsWith(prefix) && !k.startsWith(`${prefix}${owner}.`));
}
