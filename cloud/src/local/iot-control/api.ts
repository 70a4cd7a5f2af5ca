import type { AwsRequest, AwsServiceDefinition } from '../aws-endpoint/index.js';
import { RestRouter } from '../aws-endpoint/index.js';
import { InvalidRequestError } from './errors.js';
import { policyArn, type ThingRecord, thingArn } from './model.js';
import type { IotRegistry } from './registry.js';

/**
 * The part of the IoT control-plane API (signing name `iot`, restJson1) that provisioning
 * uses, over the registry. Paths and members as in the IoT API reference
 * (https://docs.aws.amazon.com/iot/latest/apireference/API_Operations_AWS_IoT.html).
 */
export function iotControlApi(
  registry: IotRegistry,
  /** `host:port` of the MQTT TLS listener, for DescribeEndpoint; undefined until it listens. */
  dataEndpoint: () => string | undefined = () => undefined,
): AwsServiceDefinition {
  const { region, accountId } = registry;
  const thingOut = (t: ThingRecord) => ({
    thingName: t.thingName,
    thingId: t.thingId,
    thingArn: thingArn(region, accountId, t.thingName),
  });
  const router = new RestRouter()
    .add('GET', '/endpoint', 'DescribeEndpoint', async (req) => {
      // IoT Core answers with a bare host (port 8883 implied); locally the port is part of it.
      const type = req.query.get('endpointType') ?? 'iot:Data';
      if (!['iot:Data', 'iot:Data-ATS'].includes(type)) {
        throw new InvalidRequestError(
          `endpointType ${type} is not served by the local cloud (iot:Data-ATS is)`,
        );
      }
      const address = dataEndpoint();
      if (!address) throw new InvalidRequestError('the MQTT TLS listener is not started yet');
      return { body: { endpointAddress: address } };
    })
    .add('POST', '/things/{thingName}', 'CreateThing', async (req, p) => {
      const body = json(req);
      const attributes = (body.attributePayload as { attributes?: unknown } | undefined)?.attributes ?? {};
      if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) {
        throw new InvalidRequestError('attributePayload.attributes must be an object of strings');
      }
      const type = body.thingTypeName;
      const thing = registry.createThing(
        p.thingName!,
        attributes as Record<string, string>,
        typeof type === 'string' ? type : undefined,
      );
      return { body: thingOut(thing) };
    })
    .add('GET', '/things/{thingName}', 'DescribeThing', async (_req, p) => {
      const t = registry.describeThing(p.thingName!);
      return {
        body: {
          ...thingOut(t),
          defaultClientId: t.thingName,
          attributes: t.attributes,
          version: t.version,
          ...(t.thingTypeName === undefined ? {} : { thingTypeName: t.thingTypeName }),
        },
      };
    })
    .add('GET', '/things', 'ListThings', async (req) => {
      const limit = pageSize(req, 250);
      const after = decodeToken(req.query.get('nextToken'));
      const name = req.query.get('attributeName');
      const value = req.query.get('attributeValue');
      const page = registry.store.listThings(
        after,
        limit + 1,
        name !== null && value !== null ? { name, value } : undefined,
      );
      const more = page.length > limit;
      const things = page.slice(0, limit);
      return {
        body: {
          things: things.map((t) => ({
            thingName: t.thingName,
            thingArn: thingArn(region, accountId, t.thingName),
            attributes: t.attributes,
            version: t.version,
            ...(t.thingTypeName === undefined ? {} : { thingTypeName: t.thingTypeName }),
          })),
          ...(more ? { nextToken: encodeToken(things.at(-1)!.thingName) } : {}),
        },
      };
    })
    .add('POST', '/keys-and-certificate', 'CreateKeysAndCertificate', async (req) => {
      const created = await registry.createKeysAndCertificate(req.query.get('setAsActive') === 'true');
      return { body: created };
    })
    .add('POST', '/certificates', 'CreateCertificateFromCsr', async (req) => {
      const csr = json(req).certificateSigningRequest;
      if (typeof csr !== 'string') throw new InvalidRequestError('certificateSigningRequest is required');
      const created = await registry.createCertificateFromCsr(csr, req.query.get('setAsActive') === 'true');
      return { body: created };
    })
    .add('GET', '/certificates/{certificateId}', 'DescribeCertificate', async (_req, p) => {
      const c = registry.describeCertificate(p.certificateId!);
      return {
        body: {
          certificateDescription: {
            certificateArn: registry.certificateArn(c.certificateId),
            certificateId: c.certificateId,
            status: c.status,
            certificatePem: c.certificatePem,
            ownedBy: accountId,
            creationDate: c.createdAt / 1000,
            lastModifiedDate: c.updatedAt / 1000,
            certificateMode: 'DEFAULT',
          },
        },
      };
    })
    .add('PUT', '/certificates/{certificateId}', 'UpdateCertificate', async (req, p) => {
      registry.updateCertificate(p.certificateId!, req.query.get('newStatus') ?? '');
      return {};
    })
    .add('POST', '/policies/{policyName}', 'CreatePolicy', async (req, p) => {
      const doc = json(req).policyDocument;
      if (typeof doc !== 'string') throw new InvalidRequestError('policyDocument is required');
      const policy = registry.createPolicy(p.policyName!, doc);
      return {
        body: {
          policyName: policy.policyName,
          policyArn: policyArn(region, accountId, policy.policyName),
          policyDocument: policy.document,
          policyVersionId: '1',
        },
      };
    })
    .add('GET', '/policies', 'ListPolicies', async (req) => {
      const limit = pageSize(req, 250, 'pageSize');
      const after = decodeToken(req.query.get('marker'));
      const ascending = req.query.get('isAscendingOrder') !== 'false';
      const page = registry.store.listPolicyNames(after, limit + 1, ascending);
      const more = page.length > limit;
      const names = page.slice(0, limit);
      return {
        body: {
          policies: names.map((policyName) => ({
            policyName,
            policyArn: policyArn(region, accountId, policyName),
          })),
          ...(more ? { nextMarker: encodeToken(names.at(-1)!) } : {}),
        },
      };
    })
    .add('GET', '/policies/{policyName}', 'GetPolicy', async (_req, p) => {
      const policy = registry.getPolicy(p.policyName!);
      return {
        body: {
          policyName: policy.policyName,
          policyArn: policyArn(region, accountId, policy.policyName),
          policyDocument: policy.document,
          defaultVersionId: '1',
          creationDate: policy.createdAt / 1000,
          lastModifiedDate: policy.createdAt / 1000,
        },
      };
    })
    .add('PUT', '/target-policies/{policyName}', 'AttachPolicy', async (req, p) => {
      const target = json(req).target;
      if (typeof target !== 'string') throw new InvalidRequestError('target is required');
      registry.attachPolicy(p.policyName!, target);
      return {};
    })
    .add('PUT', '/things/{thingName}/principals', 'AttachThingPrincipal', async (req, p) => {
      registry.attachThingPrincipal(p.thingName!, principalHeader(req));
      return { body: {} };
    })
    .add('DELETE', '/things/{thingName}/principals', 'DetachThingPrincipal', async (req, p) => {
      registry.detachThingPrincipal(p.thingName!, principalHeader(req));
      return { body: {} };
    })
    .add('GET', '/things/{thingName}/principals', 'ListThingPrincipals', async (req, p) => {
      const all = registry.listThingPrincipals(p.thingName!);
      const limit = pageSize(req, 100);
      const start = Number(decodeToken(req.query.get('nextToken')) || 0);
      const page = all.slice(start, start + limit);
      const more = start + limit < all.length;
      return {
        body: { principals: page, ...(more ? { nextToken: encodeToken(String(start + limit)) } : {}) },
      };
    });
  return { signingName: 'iot', protocol: 'restJson1', handle: (req) => router.handle(req) };
}

function json(req: AwsRequest): Record<string, unknown> {
  if (req.body.length === 0) return {};
  try {
    const v = JSON.parse(req.body.toString('utf8')) as unknown;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw new InvalidRequestError(`the body of ${req.operation} is not a JSON object`);
}

function principalHeader(req: AwsRequest): string {
  const h = req.headers['x-amzn-principal'];
  const v = Array.isArray(h) ? h[0] : h;
  if (!v) throw new InvalidRequestError('the x-amzn-principal header (principal) is required');
  return v;
}

function pageSize(req: AwsRequest, max: number, param = 'maxResults'): number {
  const raw = req.query.get(param);
  if (raw === null) return max;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new InvalidRequestError(`${param} must be an integer from 1 to ${max}, not "${raw}"`);
  }
  return n;
}

function encodeToken(v: string): string {
  return Buffer.from(v, 'utf8').toString('base64url');
}

function decodeToken(token: string | null): string {
  return token ? Buffer.from(token, 'base64url').toString('utf8') : '';
}
