// What an operator agrees to by accepting a gig: the work (title, description, skills), the pay, where (its
// public point, which is all an operator sees) and when. Both sides compute one short digest of these alike;
// gig.accept carries the device's, and the server refuses the accept (gig_changed) when its own differs,
// rather than book the operator on terms the client changed while the accept waited offline. Anything else
// that gives the gig's row a new version (a renamed client, another operator's accept and cancel) is not a
// change of terms and refuses nothing.
import { publicPoint, type LatLng } from './geo';
import type { CurrencyCode } from './money';
import type { SkillLevels } from './skills';

export interface GigTerms {
  title: string;
  description: string;
  skills: SkillLevels;
  budget: { amount: number; currency: CurrencyCode };
  location: LatLng;
  /** An ISO time, or a Date on the server; null or absent for "flexible". */
  startsAt?: string | Date | null;
}

/** 64 bits of FNV-1a over the terms in a fixed order, as 16 hex digits. Not a secret: a fingerprint. */
export function gigTermsDigest(t: GigTerms): string {
  const at = publicPoint(t.location);
  const starts = t.startsAt == null ? null : new Date(t.startsAt).getTime();
  const skills = Object.entries(t.skills).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const text = JSON.stringify([t.title, t.description, skills, t.budget.amount, t.budget.currency, at.lat, at.lng, starts]);
  return fnv1a(text, 0x811c9dc5) + fnv1a(text, 0x050c5d1f);
}

function fnv1a(text: string, seed: number): string {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
