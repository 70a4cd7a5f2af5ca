import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DoorRow } from './door-list.js';
import { ProvisionJournal } from './journal.js';

/** What a run would do, one line per door, from the journal alone (no AWS call). */
export function planFleet(
  doors: readonly DoorRow[],
  outDir: string,
  o: { policyName: string; createKeys?: boolean },
): string[] {
  const journal = new ProvisionJournal(outDir);
  if (existsSync(outDir)) journal.open();
  try {
    return doors.map((d) => {
      const p = journal.progress(d.thingName);
      if (p.steps.has('done'))
        return `${d.thingName}: already provisioned (certificate ${p.certificateId}), skip`;
      const steps: string[] = [];
      if (!p.steps.has('thing')) steps.push(`CreateThing ${JSON.stringify(d.attributes)}`);
      if (!p.certificateId) {
        steps.push(
          'ListThingPrincipals',
          o.createKeys ? 'CreateKeysAndCertificate' : 'CreateCertificateFromCsr',
        );
      }
      if (!p.steps.has('policy')) steps.push(`AttachPolicy ${o.policyName}`);
      if (!p.steps.has('principal')) steps.push('AttachThingPrincipal');
      if (!p.steps.has('active')) steps.push('UpdateCertificate ACTIVE');
      steps.push(`bundle ${join(outDir, d.thingName)}`);
      return `${d.thingName}: ${steps.join(', ')}`;
    });
  } finally {
    journal.close();
  }
}
