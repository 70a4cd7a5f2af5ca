export { AwsEndpoint, type AwsEndpointOptions } from './aws-endpoint.js';
export {
  AwsServiceError,
  InvalidSignatureError,
  MissingAuthenticationTokenError,
  UnknownOperationError,
} from './errors.js';
export { type RestHandler, RestRouter } from './rest-router.js';
export { type ListenOptions, listenAwsEndpoint } from './server.js';
export { routeService, splitTarget } from './service-router.js';
export { parseAuthorization, type SigV4Authorization, verifySignature } from './sigv4.js';
export type {
  AwsEndpointLogger,
  AwsProtocol,
  AwsRequest,
  AwsResponse,
  AwsServiceDefinition,
} from './types.js';
export { contentTypeFor, statusFor, toWireError, type WireError } from './wire-errors.js';
