/** Resource ids are parsed in core (core/resource-id.ts), the one place; the services import them from here. */
export * from '../core/resource-id';
