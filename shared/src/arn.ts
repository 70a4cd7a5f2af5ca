/** ARN of an IoT thing, as EventBridge `resources` carry it. */
export function thingArn(region: string, account: string, thingName: string): string {
  return `arn:aws:iot:${region}:${account}:thing/${thingName}`;
}

/** ARN of an EventBridge bus. */
export function eventBusArn(region: string, account: string, busName: string): string {
  return `arn:aws:events:${region}:${account}:event-bus/${busName}`;
}
