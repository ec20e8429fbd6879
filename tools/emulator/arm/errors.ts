/**
 * ARM error model. Handlers throw ArmError; the router turns it into ARM's body
 * `{"error":{"code","message","details"?}}` with the status, so every provider answers errors
 * the way the real SDK clients parse them (RestError.code / statusCode).
 */
export interface ArmErrorDetail {
  code: string;
  message: string;
  target?: string;
}

export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ArmErrorDetail[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ArmError';
  }

  toBody(): { error: { code: string; message: string; details?: ArmErrorDetail[] } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details.length > 0 ? { details: this.details } : {}),
      },
    };
  }
}

export function resourceNotFound(type: string, name: string, resourceGroup?: string): ArmError {
  const where = resourceGroup ? ` under resource group '${resourceGroup}'` : '';
  return new ArmError(404, 'ResourceNotFound', `The Resource '${type}/${name}'${where} was not found.`);
}

export function resourceGroupNotFound(resourceGroup: string): ArmError {
  return new ArmError(404, 'ResourceGroupNotFound', `Resource group '${resourceGroup}' could not be found.`);
}

export function subscriptionNotFound(subscriptionId: string): ArmError {
  return new ArmError(404, 'SubscriptionNotFound', `The subscription '${subscriptionId}' could not be found.`);
}

/** Malformed JSON or a body that is not an object. */
export function invalidRequestFormat(message: string): ArmError {
  return new ArmError(400, 'InvalidRequestFormat', message);
}

/**
 * One 400 that names every problem found (team rule: bad input gets a 4xx naming every problem).
 * `problems` are human-readable sentences; each becomes a detail with code InvalidParameter.
 */
export function invalidParameters(problems: string[], code = 'InvalidParameter'): ArmError {
  return new ArmError(
    400,
    code,
    problems.join(' '),
    problems.length > 1 ? problems.map((message) => ({ code, message })) : [],
  );
}

export function conflict(code: string, message: string): ArmError {
  return new ArmError(409, code, message);
}

export function preconditionFailed(message: string): ArmError {
  return new ArmError(412, 'PreconditionFailed', message);
}

export function methodNotAllowed(method: string, path: string): ArmError {
  return new ArmError(405, 'MethodNotAllowed', `The requested method '${method}' is not allowed for '${path}'.`);
}

export function noRegisteredProvider(type: string, apiVersion: string): ArmError {
  return new ArmError(
    400,
    'NoRegisteredProviderFound',
    `No registered resource provider found for resource type '${type}' and API version '${apiVersion}' in the emulator.`,
  );
}
