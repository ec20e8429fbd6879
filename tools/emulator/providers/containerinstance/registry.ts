/**
 * The container registry as the emulator sees it: the image references it can pull. Stricter
 * than Azure on purpose: only these references pull; any other (an unknown repository, tag or
 * digest, a private registry) fails to pull the way ACI shows it (runs.ts: Pulling / Failed /
 * BackOff events while it retries, then the deployment fails) — a product must not depend on an
 * image nobody checked. Every image listed carries busybox 1.36.1 built with
 * CONFIG_NC_110_COMPAT=y, CONFIG_NC_EXTRA=y and CONFIG_TIME=y, whose `nc` and `time` the probe
 * command interpreter (probe-command.ts) reproduces.
 *
 * Sources: mcr.microsoft.com/azurelinux/busybox is built from Azure Linux's busybox package
 * (microsoft/azurelinux SPECS/busybox/busybox.spec, Version 1.36.1, config busybox-static.config:
 * CONFIG_NC=y, CONFIG_NC_EXTRA=y, CONFIG_NC_110_COMPAT=y, CONFIG_TIME=y). The multi-arch index
 * digest below is the one oras-project/oras-java's PublicAzureCRITCase pulls anonymously from MCR.
 * Docker Hub's official busybox:1.36 uses busybox's defconfig, where NC_110_COMPAT, NC_EXTRA and
 * TIME default to y (networking/nc.c, miscutils/time.c "//config: default y").
 */
export const AZURELINUX_BUSYBOX_INDEX = 'sha256:330ce7e940f7476089c4c74565c63767988e188b06988e58e76b54890e7f621b';

const KNOWN = new Set(
  [
    'mcr.microsoft.com/azurelinux/busybox:1.36',
    `mcr.microsoft.com/azurelinux/busybox@${AZURELINUX_BUSYBOX_INDEX}`,
    `mcr.microsoft.com/azurelinux/busybox:1.36@${AZURELINUX_BUSYBOX_INDEX}`,
    'busybox:1.36',
    'busybox:1.36.1',
    'docker.io/library/busybox:1.36',
    'docker.io/library/busybox:1.36.1',
  ].map((r) => r.toLowerCase()),
);

/** The reference ACI would pull as written (no default `:latest` is assumed: an untagged name is unknown here). */
export function isPullable(image: string): boolean {
  return KNOWN.has(image.trim().toLowerCase());
}

export function knownImages(): string[] {
  return [...KNOWN];
}
