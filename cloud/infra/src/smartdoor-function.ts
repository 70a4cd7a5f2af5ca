import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** The repository root: the workspaces' lockfile and the handlers' sources live under it. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** A handler entry under cloud/src/handlers, e.g. `ingest/lambda.ts`. */
export const handlerEntry = (path: string): string => resolve(REPO_ROOT, 'cloud/src/handlers', path);

export interface SmartdoorFunctionProps {
  /** The entry file (its `handler` export is the Lambda handler). */
  entry: string;
  /** Powertools service name; the same the entry gives its Logger. */
  serviceName: string;
  environment?: Record<string, string>;
  /** @default 30 seconds */
  timeout?: Duration;
  /** @default 256 */
  memorySize?: number;
  /** Keep the log group when the stack is deleted. @default true */
  retainLogs?: boolean;
}

/**
 * A smartdoor handler as a Lambda function: bundled by the local esbuild (never Docker) as
 * ESM for Node 20 (the project's minimum, so the bundle also runs under the project's own
 * Node), on arm64, with X-Ray active tracing and the Powertools settings in its environment.
 * The runtime is nodejs24.x: nodejs20.x reached the end of Lambda's support on 2026-04-30
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html), and code built for
 * Node 20 runs unchanged on 24.
 */
export class SmartdoorFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: SmartdoorFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: props.retainLogs === false ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    // Its own role, allowed to write its own log group only (rather than the managed
    // AWSLambdaBasicExecutionRole, which may write any log group of the account).
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.serviceName} function: its own log group, X-Ray, and what the stack grants`,
    });
    logGroup.grantWrite(role);
    super(scope, id, {
      role,
      entry: props.entry,
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: Tracing.ACTIVE,
      logGroup,
      depsLockFilePath: resolve(REPO_ROOT, 'package-lock.json'),
      projectRoot: REPO_ROOT,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: 'smartdoor',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node20',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        // The SDK is bundled too, so the function runs the versions the tests ran.
        externalModules: [],
        // Some dependencies (the X-Ray SDK under the Powertools tracer) call require(): ESM has none.
        banner:
          "import { createRequire as __smartdoorCreateRequire } from 'node:module'; const require = __smartdoorCreateRequire(import.meta.url);",
      },
    });
  }
}
