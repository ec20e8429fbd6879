/**
 * The shared patterns, one place (pure): IPv4 addresses, ISO 8601 durations, DNS labels and names,
 * GUIDs, resource group names, subnet / VNet / zone / identity resource ids. JSON Schema patterns
 * carry no flags, so case-insensitive parts of resource ids are spelled out ([sS]...) and the same
 * RegExp serves the validators (core/forward-spec.ts, app settings, query checks) and the OpenAPI
 * document. Resource ids are parsed in core/resource-id.ts.
 *
 * Sources: resource group names 1-90 of letters, digits, `-_.()` (ARM naming rules,
 * https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules);
 * VNet names 2-64, subnet names 1-80 of word characters, `-` and `.`; a DNS label 1-63 characters
 * without a leading or trailing hyphen, a name at most 253 (RFC 1035 §2.3.4).
 */

/** `word` matched without case, for flagless patterns: `Microsoft.Network` -> `[mM][iI]...\.[nN]...`. */
export const ci = (word: string): string => word.replace(/[a-z]/gi, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`).replace(/\./g, '\\.');

export const GUID_SRC = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
/** A subscription id as ARM ids carry it (36 hex digits and hyphens). */
export const SUBSCRIPTION_SRC = '[0-9a-fA-F-]{36}';
export const LABEL_SRC = '(?!-)[a-zA-Z0-9-]{1,63}(?<!-)';
/** A DNS name of two labels or more, at most 253 characters (a private DNS zone name, a probe's host). */
export const DNS_NAME_SRC = `(?=[^/]{1,253}$)${LABEL_SRC}(?:\\.${LABEL_SRC})+`;
export const RG_SRC = '[-\\w._()]{1,90}';
const PROVIDERS_SRC = (namespace: string) => `/${ci('subscriptions')}/${SUBSCRIPTION_SRC}/${ci('resourceGroups')}/${RG_SRC}/${ci('providers')}/${ci(namespace)}`;
export const VNET_ID_SRC = `${PROVIDERS_SRC('Microsoft.Network')}/${ci('virtualNetworks')}/[-\\w.]{2,64}`;
export const SUBNET_ID_SRC = `${VNET_ID_SRC}/${ci('subnets')}/[-\\w.]{1,80}`;
export const IPV4_OCTET_SRC = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
export const IPV4_SRC = `(?:${IPV4_OCTET_SRC}\\.){3}${IPV4_OCTET_SRC}`;

export const GUID = new RegExp(`^${GUID_SRC}$`);
export const DNS_LABEL = new RegExp(`^${LABEL_SRC}$`);
export const DNS_NAME = new RegExp(`^${DNS_NAME_SRC}$`);
export const RESOURCE_GROUP = new RegExp(`^${RG_SRC}$`);
export const VNET_ID = new RegExp(`^${VNET_ID_SRC}$`);
export const SUBNET_ID = new RegExp(`^${SUBNET_ID_SRC}$`);
export const ZONE_ID = new RegExp(`^/${ci('subscriptions')}/${GUID_SRC}/${ci('resourceGroups')}/${RG_SRC}/${ci('providers')}/${ci('Microsoft.Network')}/${ci('privateDnsZones')}/${DNS_NAME_SRC}$`);
export const USER_ASSIGNED_IDENTITY_ID = new RegExp(`^${PROVIDERS_SRC('Microsoft.ManagedIdentity')}/${ci('userAssignedIdentities')}/[-\\w]{3,128}$`);
/** A dotted-quad IPv4 address, each octet 0-255 without leading zeros. */
export const IPV4 = new RegExp(`^${IPV4_SRC}$`);
/** ISO 8601 duration, PnDTnHnMnS subset; at least one component, no dangling T. Groups: days, hours, minutes, seconds. */
export const ISO_DURATION = /^P(?!$)(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** An ISO 8601 duration (ISO_DURATION) in seconds, or undefined when malformed. */
export function isoDurationSeconds(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = ISO_DURATION.exec(text);
  if (!m) return undefined;
  return Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
}
