/** Root of the fleet provisioning tools' errors (door list, bulk run, revoke). */
export class FleetProvisioningError extends Error {
  override name = 'FleetProvisioningError';
}

/** One bad row of a door list: its 1-based line number and what is wrong. */
export interface RowProblem {
  row: number;
  message: string;
}

/** The door list has bad rows; every problem is listed, each naming its row. */
export class DoorListError extends FleetProvisioningError {
  override name = 'DoorListError';
  constructor(
    readonly source: string,
    readonly problems: readonly RowProblem[],
  ) {
    super(`${source}: ${problems.map((p) => `row ${p.row}: ${p.message}`).join('; ')}`);
  }
}

/** A thing already holds a certificate whose private key this run does not have: never make a second one. */
export class ForeignCertificateError extends FleetProvisioningError {
  override name = 'ForeignCertificateError';
  constructor(
    readonly thingName: string,
    readonly certificateId: string,
  ) {
    super(
      `thing ${thingName} already has certificate ${certificateId} whose private key is not in this output folder; not making a second one (revoke it first to replace it)`,
    );
  }
}

/** A door's provisioning failed at a step; the run goes on with the others. */
export class DoorStepError extends FleetProvisioningError {
  override name = 'DoorStepError';
  constructor(
    readonly thingName: string,
    readonly step: string,
    options: { cause: unknown },
  ) {
    super(
      `${thingName}: ${step} failed: ${(options.cause as Error)?.message ?? String(options.cause)}`,
      options,
    );
  }
}
