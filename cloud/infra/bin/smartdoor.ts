/**
 * The smartdoor CDK app. Settings come from context (`-c stage=prod`, or cdk.json); see
 * ../README.md. Account and region always have a value, so `cdk synth` never needs AWS.
 */
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
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
  // `-c nag=true`: run cdk-nag's AwsSolutions pack at synth too (the tests always run it).
  const nag = app.node.tryGetContext('nag');
  if (nag === true || nag === 'true') Aspects.of(app).add(new AwsSolutionsChecks());
  app.synth();
} catch (error) {
  if (!(error instanceof SmartdoorConfigError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
