/** AMS wire status strings (spec 1.9). */
export type AmsStatus =
  | 'BAD_REQUEST'
  | 'INVALID_ARGUMENT'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'TIMEOUT'
  | 'ALREADY_EXISTS'
  | 'CONFLICT'
  | 'METHOD_NOT_ALLOWED'
  | 'TOO_MANY_REQUESTS'
  | 'INTERNAL_SERVER_ERROR'
  | 'SERVICE_UNAVAILABLE';

export type Missing =
  | 'Topic'
  | 'Subscription'
  | 'Schema'
  | 'User'
  | 'User registration'
  | 'ProjectUUID'
  | `Project ${string}`;

export type Existing = 'Project' | 'Topic' | 'Subscription' | 'User' | 'Schema';

/**
 * The one error type of the domain. Services throw it; only the exception filter turns it into a response.
 * Messages are the original service's strings byte for byte (spec 1.9), so clients that match on them keep working.
 */
export class AmsError extends Error {
  constructor(
    readonly code: number,
    readonly status: AmsStatus,
    message: string,
  ) {
    super(message);
    this.name = 'AmsError';
  }

  static invalid(message: string): AmsError {
    return new AmsError(400, 'INVALID_ARGUMENT', message);
  }

  static badRequestBody(): AmsError {
    return new AmsError(400, 'BAD_REQUEST', 'Invalid Request Body');
  }

  static unauthorized(): AmsError {
    return new AmsError(401, 'UNAUTHORIZED', 'Unauthorized');
  }

  static forbidden(message = 'Access to this resource is forbidden'): AmsError {
    return new AmsError(403, 'FORBIDDEN', message);
  }

  static notFound(what: Missing): AmsError {
    return new AmsError(404, 'NOT_FOUND', `${what} doesn't exist`);
  }

  static projectNotFound(): AmsError {
    return new AmsError(404, 'NOT_FOUND', "project doesn't exist");
  }

  static alreadyExists(what: Existing): AmsError {
    return new AmsError(409, 'ALREADY_EXISTS', `${what} already exists`);
  }

  /** A known path asked with a method it does not serve (spec 1.1: only the status is normative). */
  static methodNotAllowed(): AmsError {
    return new AmsError(405, 'METHOD_NOT_ALLOWED', 'Method Not Allowed');
  }

  static conflict(message: string): AmsError {
    return new AmsError(409, 'CONFLICT', message);
  }

  static timeout(message: string): AmsError {
    return new AmsError(408, 'TIMEOUT', message);
  }

  static tooLarge(message: string): AmsError {
    return new AmsError(413, 'INVALID_ARGUMENT', message);
  }

  /** The original's deliberate 500s (spec 8.3) and storage failures. */
  static internal(message: string): AmsError {
    return new AmsError(500, 'INTERNAL_SERVER_ERROR', message);
  }

  static unavailable(message: string): AmsError {
    return new AmsError(503, 'SERVICE_UNAVAILABLE', message);
  }

  toBody(): { error: { code: number; message: string; status: AmsStatus } } {
    return { error: { code: this.code, message: this.message, status: this.status } };
  }
}
