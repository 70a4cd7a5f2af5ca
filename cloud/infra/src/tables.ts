import { BADGE_TABLE } from '@smartdoor/cloud/handlers/identification/dynamodb-badge-directory';
import { CORRELATION_TABLE } from '@smartdoor/cloud/handlers/identification/dynamodb-correlation-store';
import { NOTIFICATION_TABLE } from '@smartdoor/cloud/handlers/notification/dynamodb-notification-store';
import { ALLOW_LIST_TABLE } from '@smartdoor/cloud/handlers/pre-provisioning-hook/dynamodb-allow-list';
import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  Table,
  TableEncryption,
  type TableProps,
} from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

export interface SmartdoorTablesProps {
  /** Keep the tables when the stack is deleted. @default true */
  retainData?: boolean;
}

/**
 * The DynamoDB tables, keyed as the handlers' stores expect (the key names are imported
 * from the stores, not copied). On demand, encrypted, point-in-time recovery on.
 */
export class SmartdoorTables extends Construct {
  /** Powertools idempotency records: pk `id`, TTL `expiration` (the utility's defaults). */
  readonly idempotency: Table;
  /** The badge directory: pk `badgeRef`. */
  readonly badges: Table;
  /** Openings and badge reads being correlated: pk `pk`, sk `sk`, TTL `expiresAt`. */
  readonly correlations: Table;
  /** Notification collapse windows, deliveries and presence: pk `pk`, TTL `expiresAt`. */
  readonly notifications: Table;
  /** Serial numbers that may be provisioned by claim: pk `serialNumber`. */
  readonly allowList: Table;

  constructor(scope: Construct, id: string, props: SmartdoorTablesProps = {}) {
    super(scope, id);
    const common: Partial<TableProps> = {
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.retainData === false ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    };
    // https://docs.powertools.aws.dev/lambda/typescript/latest/features/idempotency/#dynamodb-table
    this.idempotency = new Table(this, 'Idempotency', {
      ...common,
      partitionKey: { name: 'id', type: AttributeType.STRING },
      timeToLiveAttribute: 'expiration',
    });
    this.badges = new Table(this, 'Badges', {
      ...common,
      partitionKey: { name: BADGE_TABLE.partitionKey, type: AttributeType.STRING },
    });
    this.correlations = new Table(this, 'Correlations', {
      ...common,
      partitionKey: { name: CORRELATION_TABLE.partitionKey, type: AttributeType.STRING },
      sortKey: { name: CORRELATION_TABLE.sortKey, type: AttributeType.STRING },
      timeToLiveAttribute: CORRELATION_TABLE.ttlAttribute,
    });
    this.notifications = new Table(this, 'Notifications', {
      ...common,
      partitionKey: { name: NOTIFICATION_TABLE.partitionKey, type: AttributeType.STRING },
      timeToLiveAttribute: NOTIFICATION_TABLE.ttlAttribute,
    });
    this.allowList = new Table(this, 'ProvisioningAllowList', {
      ...common,
      partitionKey: { name: ALLOW_LIST_TABLE.partitionKey, type: AttributeType.STRING },
    });
  }
}
