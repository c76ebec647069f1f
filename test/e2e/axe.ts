// Accessibility checks with axe-core inside the page under test, reduced to what must be fixed.
import axe from 'axe-core';
import type { Page } from 'playwright-core';

export interface AxeViolation {
  id: string;
  impact: 'serious' | 'critical';
  help: string;
  helpUrl: string;
  /** CSS selectors of the offending elements (the first few). */
  targets: string[];
  /** One line for a test failure message: rule, impact, what to do, where. */
  summary: string;
}

/**
 * Serious and critical violations on the page as it is now. axe is evaluated through the DevTools protocol
 * rather than added as a <script> tag, so the app's CSP (script-src 'self') need not be loosened for the test.
 */
export async function runAxe(page: Page, opts: { include?: string; disableRules?: string[] } = {}): Promise<AxeViolation[]> {
  await page.evaluate(axe.source);
  const violations = await page.evaluate(async ({ include, disableRules }) => {
    const a = (window as unknown as { axe: typeof axe }).axe;
    const rules = Object.fromEntries((disableRules ?? []).map((id) => [id, { enabled: false }]));
    const result = await a.run(include ? document.querySelector(include)! : document, { resultTypes: ['violations'], rules });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      helpUrl: v.helpUrl,
      targets: v.nodes.slice(0, 5).map((n) => n.target.map(String).join(' ')),
    }));
  }, opts);
  return violations
    .filter((v): v is typeof v & { impact: 'serious' | 'critical' } => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ ...v, summary: `${v.id} (${v.impact}): ${v.help} — ${v.targets.join(', ')} — ${v.helpUrl}` }));
}
