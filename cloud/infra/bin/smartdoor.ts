/**
 * The smartdoor CDK app. Settings come from context (`-c stage=prod`, or cdk.json); see
 * ../README.md. Account and region always have a value, so `cdk synth` never needs AWS.
 */
import { App } from 'aws-cdk-lib';
import { readSmartdoorConfig, SmartdoorConfigError } from '../src/config.js';
import { applyNagSuppressions } from '../src/nag-suppressions.js';
import { SmartdoorStack } from '../src/smartdoor-stack.js';

const app = new App();
try {
  const config = readSmartdoorConfig((key) => app.node.tryGetContext(key));
  const stack = new SmartdoorStack(app, `Smartdoor-${config.stage}`, {
    config,
    env: { account: config.account, region: config.region },
    description: `smartdoor cloud side (${config.stage})`,
    terminationProtection: config.stage === 'prod',
  });
  applyNagSuppressions(stack);
  app.synth();
} catch (error) {
  if (!(error instanceof SmartdoorConfigError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
