/** Types of app-registration.cjs (the azd hook for the Entra ID app registration), for the tests. */
export interface AppRole {
  key?: string;
  value: string;
  displayName: string;
  description: string;
}
export interface ExecResult {
  status: number | null;
  stdout: string;
  stderr: string;
  error?: NodeJS.ErrnoException;
}
export type Exec = (cmd: string, args: string[]) => ExecResult;
export interface HookOptions {
  exec?: Exec;
  log?: (line: string) => void;
  pauseMs?: number;
}
export interface Web {
  homePageUrl?: string | null;
  logoutUrl?: string | null;
  redirectUris?: string[];
  implicitGrantSettings?: { enableAccessTokenIssuance?: boolean; enableIdTokenIssuance?: boolean };
}
export interface ApplicationBody {
  displayName: string;
  description: string;
  signInAudience: string;
  appRoles: { id: string; value: string; displayName: string; description: string; allowedMemberTypes: string[]; isEnabled: boolean }[];
  api: {
    requestedAccessTokenVersion: number;
    oauth2PermissionScopes: { id: string; value: string; type: string; isEnabled: boolean; adminConsentDisplayName: string; adminConsentDescription: string; userConsentDisplayName: string; userConsentDescription: string }[];
    preAuthorizedApplications?: { appId: string; delegatedPermissionIds: string[] }[];
  };
  identifierUris?: string[];
}
export declare function uuidV5(name: string, namespace?: string): string;
export declare function appRoleId(value: string): string;
export declare function scopeId(): string;
export declare function uniqueNameFor(subscriptionId: string, envName: string): string;
export declare function applicationUrl(uniqueName: string): string;
export declare function applicationBody(input: { displayName: string; roles: AppRole[]; appId?: string }): ApplicationBody;
export declare function webBody(web: Web | undefined, redirectUri: string): { web: Web } | undefined;
export declare function loadRoles(file?: string): AppRole[];
export declare function preprovision(env: Record<string, string | undefined>, options?: HookOptions): Promise<void>;
export declare function postprovision(env: Record<string, string | undefined>, options?: HookOptions): Promise<void>;
export declare function main(argv: string[], env: Record<string, string | undefined>): Promise<number>;
export declare class HookError extends Error {}
export declare const AZURE_CLI_APP_ID: string;
export declare const GRAPH: string;
