/**
 * @smartdoor/cloud: the handlers, the local cloud and the pieces others build on. Deep
 * imports (`@smartdoor/cloud/local/iot/ca`) work too; this is the short list.
 */
export { type CloudCommandIo, cloudCommand } from './cli/cloud-command.js';
export {
  type IngestErrorRecord,
  type IngestErrorSink,
  IngestHandler,
  type IngestPorts,
  IngestPutEventsError,
  type IngestResult,
} from './handlers/ingest/handler.js';
export { type HttpRouteHandler, LocalHttpServer } from './local/http/http-server.js';
export {
  type BrokerMessage,
  type ConnectionInfo,
  IotBroker,
  type IotBrokerOptions,
  type Refusal,
  type TopicHandler,
} from './local/iot/broker.js';
export {
  certificateIdOf,
  commonNameOf,
  type IssuedThingCertificate,
  type IssueThingCertificateOptions,
  LocalCa,
  type LocalCaOptions,
} from './local/iot/ca.js';
export {
  CertificateAuthorityError,
  InvalidCsrError,
  LocalIotError,
  TopicRuleError,
} from './local/iot/errors.js';
export { DisconnectReason } from './local/iot/lifecycle.js';
export {
  MemoryMessageJournal,
  type MessageJournal,
  SqliteMessageJournal,
} from './local/iot/message-journal.js';
export { evaluateThingPolicy, type IotPolicyDecision, type IotPolicyRequest } from './local/iot/policy.js';
export { type RuleAction, type RuleErrorMessage, RulesEngine } from './local/iot/rules-engine.js';
export { listenMqtt, listenMqtts, type MqttListener } from './local/iot/server.js';
export { type LocalSqsHandler, SubscriberQueues } from './local/iot/subscriber-queues.js';
export {
  LOCAL_QUEUES,
  LocalCloud,
  type LocalCloudEndpoints,
  type LocalCloudOptions,
} from './local/local-cloud.js';
