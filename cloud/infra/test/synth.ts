import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Aspects } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readSmartdoorConfig } from '../src/config.js';
import { applyNagSuppressions } from '../src/nag-suppressions.js';
import { SmartdoorStack } from '../src/smartdoor-stack.js';

/**
 * A template resource as the tests read it. CloudFormation JSON has no useful static type
 * here; the assertions themselves check the shapes.
 */
// biome-ignore lint/suspicious/noExplicitAny: template JSON, checked by the assertions.
export type TemplateJson = any;
export type Resource = { Type: string; Properties: Record<string, TemplateJson> };

export const TEST_ACCOUNT = '123456789012';
export const TEST_REGION = 'eu-west-1';

export interface Synthesized {
  stack: SmartdoorStack;
  template: Template;
  outdir: string;
  /** Removes the cloud assembly written for the test. */
  cleanup(): void;
}

/**
 * Synthesizes the app as bin/smartdoor.ts does, into a temporary directory. `bundle: false`
 * skips esbuild (CDK's `aws:cdk:bundling-stacks` context), for checks that do not look at code.
 */
export function synthesize(opts: {
  bundle: boolean;
  nag?: boolean;
  context?: Record<string, unknown>;
}): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'smartdoor-cdk-'));
  const app = new App({
    outdir,
    context: { ...(opts.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...opts.context },
  });
  const config = readSmartdoorConfig((key) => app.node.tryGetContext(key), {
    CDK_DEFAULT_ACCOUNT: TEST_ACCOUNT,
    CDK_DEFAULT_REGION: TEST_REGION,
  });
  const stack = new SmartdoorStack(app, `Smartdoor-${config.stage}`, {
    config,
    env: { account: config.account, region: config.region },
  });
  applyNagSuppressions(stack);
  if (opts.nag) Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  app.synth();
  return {
    stack,
    template: Template.fromStack(stack),
    outdir,
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

/** Resolve the intrinsic functions CDK writes into ARNs (Fn::Join, Ref AWS::Partition) to text. */
export function renderArn(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (v.Ref === 'AWS::Partition') return 'aws';
    if (Array.isArray(v['Fn::Join'])) {
      const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map(renderArn).join(sep);
    }
  }
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}
