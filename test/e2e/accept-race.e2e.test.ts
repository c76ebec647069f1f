// Scenario 3: two operators accept the same gig at the same moment; one gets it, the other is told why.
import { describe, expect, it } from 'vitest';
import { PEOPLE, signIn, waitUpToDate } from './app';
import { useE2e } from './fixture';

const e2e = useE2e();

describe('two operators, one gig', () => {
  it('books exactly one; the other sees "just taken" in the app', async () => {
    const { baseUrl, db } = e2e.server();
    // A seeded handyman gig both operators' skills and areas fit.
    const [gig] = await db.sql<{ id: string }[]>`select id from gigs where title = 'Mount a 55" TV on drywall'`;
    const contexts = await Promise.all([0, 1].map(() => e2e.chromium().newContext({ locale: 'en-US', viewport: { width: 360, height: 740 } })));
    try {
      const pages = await Promise.all([PEOPLE.omar, PEOPLE.olga].map((phone, i) => signIn(contexts[i]!, baseUrl, phone, `/o/gigs/${gig!.id}`)));
      for (const page of pages) {
        await waitUpToDate(page);
        await page.getByTestId('accept-gig').waitFor();
        expect(await page.getByTestId('accept-gig').isEnabled()).toBe(true);
      }

      await Promise.all(pages.map((p) => p.getByTestId('accept-gig').click()));

      // Each page settles on a booking (the winner) or the refusal (the loser).
      const outcome = await Promise.all(
        pages.map(async (p) => {
          const refused = p.getByTestId('command-rejected');
          await Promise.race([p.waitForURL(/\/b\/[0-9a-f-]{36}$/, { timeout: 30_000 }), refused.waitFor({ timeout: 30_000 })]);
          return /\/b\//.test(p.url()) ? 'won' : 'lost';
        }),
      );
      expect([...outcome].sort()).toEqual(['lost', 'won']);
      const loser = pages[outcome.indexOf('lost')]!;
      const reason = await loser.getByTestId('command-rejected').innerText();
      expect(reason).toContain('This gig was just taken by another worker.');
      // The status bar says it too, with a way to dismiss it.
      await loser.getByTestId('rejection').filter({ hasText: 'just taken' }).waitFor();

      const bookings = await db.sql<{ n: number }[]>`select count(*)::int as n from bookings where gig_id = ${gig!.id}`;
      expect(bookings[0]!.n).toBe(1);
    } finally {
      await Promise.all(contexts.map((c) => c.close()));
    }
  });
});
