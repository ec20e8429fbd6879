import type { ForwardSpec, Problem } from './forward-spec';

/**
 * Which changes of an existing forward's spec Azure cannot carry out in place (pure). Today one:
 * removing an availability zone from `nodes.zones`. Azure refuses to remove a zone from a scale set
 * (409 PropertyChangeNotAllowed; adding zones is allowed: azure-powershell#4704,
 * terraform-provider-azurerm PR #27288; emulator catalog VMSS-4), so such a spec could never be
 * reconciled: the API refuses it up front (400) and says what to do instead — delete the forward
 * and create it again. `previous` undefined (a new forward) refuses nothing. Each problem names the
 * spec path, as parse problems do.
 */
export function specChangeProblems(previous: ForwardSpec | undefined, next: ForwardSpec): Problem[] {
  if (!previous) return [];
  const removed = previous.nodes.zones.filter((z) => !next.nodes.zones.includes(z));
  if (!removed.length) return [];
  return [
    {
      path: 'nodes.zones',
      message: `cannot remove zone(s) ${removed.map((z) => `"${z}"`).join(', ')} from an existing forward (it has ${JSON.stringify(previous.nodes.zones)}): Azure cannot remove zones from a scale set, only add them; delete the forward and create it again with the new zones`,
    },
  ];
}
