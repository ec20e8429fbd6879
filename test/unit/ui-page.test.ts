import { renderStatusPage, type ForwardSummary } from '../../functions/ui-page';

/** The status page's server-rendered part: data is escaped, never markup. */
const base: ForwardSummary = { name: 'web', phase: 'Ready', deleting: false, nodes: { total: 2, healthy: 2 }, connections: { approved: 1, pending: 0, rejected: 0 }, problems: [] };

describe('status page rendering', () => {
  it.each([
    ['an ARM message with a script tag', '<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['a reason with an image that runs code', '<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)&gt;'],
    ['quotes that would end an attribute', '" onmouseover="alert(1)', '&quot; onmouseover=&quot;alert(1)'],
  ])('%s is shown as text', (_situation, message, escaped) => {
    const html = renderStatusPage([{ ...base, problems: [`NodesHealthy: Bad — ${message}`] }], '2026-01-01T00:00:00Z');
    expect(html).toContain(escaped);
    expect(html).not.toContain(message);
  });

  it('every forward gets a summary row with its counts, and an empty registry says how to create one', () => {
    const html = renderStatusPage([base, { ...base, name: 'db', phase: 'Failed', nodes: { total: 3, healthy: 1 } }], 'now');
    expect(html).toMatch(/<tr data-forward="web">[\s\S]*?2\/2[\s\S]*?<\/tr>/);
    expect(html).toMatch(/<tr data-forward="db">[\s\S]*?phase-failed[\s\S]*?1\/3[\s\S]*?<\/tr>/);
    expect(renderStatusPage([], 'now')).toContain('No forwards yet');
  });

  it('with sign-in on, the page links to the sign-in and shows one when the API answers 401', () => {
    const html = renderStatusPage([base], 'now', { signIn: true });
    expect(html).toContain('href="/.auth/login/aad?post_login_redirect_uri=/api/ui"');
    expect(html).toMatch(/r\.status===401\)\{signedOut\(\)/);
    expect(renderStatusPage([base], 'now')).not.toContain('id="sign-in"');
  });

  it("the page's own calls are same-origin and carry the browser's session cookie (credentials: 'same-origin'), with no Authorization header of their own", () => {
    const html = renderStatusPage([base], 'now', { signIn: true });
    const fetches = [...html.matchAll(/fetch\(([^)]*)\)/g)].map((m) => m[1]);
    expect(fetches.length).toBeGreaterThan(0);
    for (const f of fetches) {
      expect(f).toMatch(/^url,\{credentials:'same-origin',/);
      expect(f).not.toMatch(/authorization|credentials:'omit'/i);
    }
  });

  it('the page fetches nothing from another origin', () => {
    const html = renderStatusPage([base], 'now');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/@import|url\((?!#)/);
  });

  it('the script reads only fields the API returns: NAT usage through NatPortsAvailable (there is no natPorts), drift through Synced', () => {
    const html = renderStatusPage([base], 'now');
    expect(html).not.toMatch(/natPorts/);
    expect(html).toContain("cond(st,'NatPortsAvailable')");
    expect(html).toContain("cond(st,'Synced')");
    // The polarity of conditions comes from core/conditions.ts, not a copy in the script.
    expect(html).toContain('var TRUE_IS_BAD=["RecycleSuspended"];');
  });
});
