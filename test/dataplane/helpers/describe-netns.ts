import { netnsUnavailableReason } from './netns';

/** `describe` that skips loudly, or fails when PLF_REQUIRE_NETNS=1 demands the real thing. */
export function describeWithNetns(name: string, body: () => void): void {
  const reason = netnsUnavailableReason();
  if (!reason) return describe(name, body);
  if (process.env.PLF_REQUIRE_NETNS === '1') {
    describe(name, () => {
      it('needs network namespaces and nftables (PLF_REQUIRE_NETNS=1)', () => {
        throw new Error(`PLF_REQUIRE_NETNS=1 but kernel networking tests cannot run: ${reason}`);
      });
    });
    return;
  }
  console.warn(`\n*** SKIPPING "${name}": ${reason}. Set up root + iproute2 + nftables to run it (CI does, with PLF_REQUIRE_NETNS=1). ***\n`);
  describe.skip(name, body);
}
