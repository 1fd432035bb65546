import { z } from 'zod';

/**
 * A small registry from which /openapi.json is generated: routes register their zod schemas where
 * they are defined, so the document cannot drift from what the handlers validate.
 */
export interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  tags?: string[];
  auth?: boolean;
  body?: z.ZodType;
  bodyContentType?: string;
  query?: z.ZodObject;
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
}

export class OpenApiRegistry {
  private readonly routes: RouteDoc[] = [];

  add(doc: RouteDoc): void {
    this.routes.push(doc);
  }

  document(info: { title: string; version: string; serverUrl: string }): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const r of this.routes) {
      const path = r.path.replace(/:(\w+)/g, '{$1}');
      const params = [...r.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
      const queryParams = r.query
        ? Object.entries(r.query.shape).map(([name, s]) => ({
            name,
            in: 'query',
            required: !(s as z.ZodType).safeParse(undefined).success,
            schema: toSchema(s as z.ZodType, 'input'),
          }))
        : [];
      const op: Record<string, unknown> = {
        summary: r.summary,
        tags: r.tags,
        parameters: [...params, ...queryParams],
        responses: Object.fromEntries(
          Object.entries(r.responses).map(([code, resp]) => [
            code,
            {
              description: resp.description,
              ...(resp.schema ? { content: { [resp.contentType ?? 'application/json']: { schema: toSchema(resp.schema, 'output') } } } : {}),
            },
          ]),
        ),
      };
      if (r.auth) op.security = [{ bearer: [] }];
      if (r.body) op.requestBody = { required: true, content: { [r.bodyContentType ?? 'application/json']: { schema: toSchema(r.body, 'input') } } };
      (paths[path] ??= {})[r.method] = op;
    }
    return {
      openapi: '3.1.0',
      info: { title: info.title, version: info.version },
      servers: [{ url: info.serverUrl }],
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
        schemas: { Error: toSchema(ErrorBody, 'output') },
      },
      paths,
    };
  }
}

function toSchema(schema: z.ZodType, io: 'input' | 'output'): unknown {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'openapi-3.0' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

export const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});
