/**
 * The local fleet provisioning template: what RegisterThing does with a claim. The CDK app
 * deploys the same shape to IoT Core (a thing named from SerialNumber, the door policy on
 * the new certificate, the certificate activated), see
 * https://docs.aws.amazon.com/iot/latest/developerguide/provision-template.html.
 */
export interface ProvisioningTemplate {
  templateName: string;
  /** Thing name is `${thingNamePrefix}${SerialNumber}`. */
  thingNamePrefix: string;
  /** Policy attached to the new certificate. */
  policyName: string;
}

/** The door policy and the claim policy the local cloud creates at start. */
export const DOOR_POLICY_NAME = 'smartdoor-door';
export const CLAIM_POLICY_NAME = 'smartdoor-claim';

export const LOCAL_PROVISIONING_TEMPLATE: ProvisioningTemplate = {
  templateName: 'smartdoor-door',
  thingNamePrefix: 'door-',
  policyName: DOOR_POLICY_NAME,
};

/** Serial numbers: what makes a valid thing name once prefixed, at most 64 characters. */
const SERIAL_RE = /^[a-zA-Z0-9:_-]{1,64}$/;

export type TemplateResult =
  | { ok: true; thingName: string; attributes: Record<string, string> }
  | { ok: false; errorCode: 'InvalidParameters'; errorMessage: string };

/** Evaluates the template on RegisterThing's `parameters` (pure). */
export function applyTemplate(template: ProvisioningTemplate, parameters: unknown): TemplateResult {
  if (parameters === null || typeof parameters !== 'object' || Array.isArray(parameters)) {
    return { ok: false, errorCode: 'InvalidParameters', errorMessage: 'parameters must be an object' };
  }
  const serial = (parameters as Record<string, unknown>).SerialNumber;
  if (typeof serial !== 'string' || !SERIAL_RE.test(serial)) {
    return {
      ok: false,
      errorCode: 'InvalidParameters',
      errorMessage: `parameter SerialNumber must be 1-64 of a-z, A-Z, 0-9, ':', '_', '-' (got ${JSON.stringify(serial) ?? 'nothing'})`,
    };
  }
  const attributes: Record<string, string> = { serialNumber: serial };
  for (const [k, v] of Object.entries(parameters as Record<string, unknown>)) {
    if (k === 'SerialNumber' || k.startsWith('AWS::')) continue;
    if (typeof v === 'string' && /^[a-zA-Z0-9_.,@/:#-]{1,128}$/.test(k) && v.length <= 800) attributes[k] = v;
  }
  return { ok: true, thingName: `${template.thingNamePrefix}${serial}`, attributes };
}
