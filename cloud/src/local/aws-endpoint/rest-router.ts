import { AwsServiceError, UnknownOperationError } from './errors.js';
import type { AwsRequest, AwsResponse } from './types.js';

/** A REST operation handler: the request (operation set) and the decoded path parameters. */
export type RestHandler = (req: AwsRequest, params: Record<string, string>) => Promise<AwsResponse>;

interface Route {
  method: string;
  operation: string;
  /** Literal segments, `{name}` (one segment) or `{name+}` (greedy, the rest of the path). */
  segments: string[];
  handler: RestHandler;
}

/**
 * Route table for restJson1 services (IoT, IoT Data Plane): method + path template
 * (`/things/{thingName}/shadow`) to one handler per operation (STYLE rule 3).
 * Segments are split on the raw path before decoding, so a label the SDK encoded
 * (`/topics/a%2Fb` for topic `a/b`) stays one parameter.
 */
export class RestRouter {
  readonly #routes: Route[] = [];

  add(method: string, template: string, operation: string, handler: RestHandler): this {
    this.#routes.push({ method: method.toUpperCase(), operation, segments: split(template), handler });
    return this;
  }

  /** The route and parameters for a request, or undefined. */
  match(
    method: string,
    rawPath: string,
  ): { operation: string; params: Record<string, string>; handler: RestHandler } | undefined {
    const parts = split(rawPath);
    for (const route of this.#routes) {
      if (route.method !== method.toUpperCase()) continue;
      const params = matchSegments(route.segments, parts);
      if (params) return { operation: route.operation, params, handler: route.handler };
    }
    return undefined;
  }

  /** Dispatches a request; use as an AwsServiceDefinition's `handle`. */
  async handle(req: AwsRequest): Promise<AwsResponse> {
    const found = this.match(req.method, req.path);
    if (!found) {
      const pathKnown = this.#routes.some((r) => matchSegments(r.segments, split(req.path)));
      if (pathKnown) {
        throw new AwsServiceError(
          'MethodNotAllowedException',
          `${req.method} is not allowed on ${req.path}`,
          405,
        );
      }
      throw new UnknownOperationError(`No ${req.service} operation for ${req.method} ${req.path}`, 404);
    }
    return found.handler({ ...req, operation: found.operation }, found.params);
  }
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function matchSegments(template: string[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i]!;
    const label = /^\{([^}+]+)(\+?)\}$/.exec(t);
    if (label?.[2] === '+') {
      if (i >= parts.length) return undefined;
      params[label[1]!] = parts.slice(i).map(decode).join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (label) params[label[1]!] = decode(part);
    else if (t !== part) return undefined;
  }
  return parts.length === template.length ? params : undefined;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (cause) {
    throw new AwsServiceError(
      'ValidationException',
      `Malformed percent-encoding in path segment ${segment}`,
      400,
      {
        cause,
      },
    );
  }
}
