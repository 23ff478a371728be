/** Event contracts of SPEC §7: versioned Avro files in contracts/, their TypeScript types and the codec. */
export * from './events';
export * from './errors';
export {
  AvroRecordSchema,
  CONTRACTS,
  CURRENT_VERSIONS,
  Contract,
  Contracts,
  DEFAULT_TOPIC_PREFIX,
  contractsDir,
  contractsFor,
  fixturePaths,
  fullNameOf,
  listVersions,
  loadSchema,
  schemaFile,
  typeOf,
} from './contracts';
export { validateEvent } from './validation';
export {
  TopicAccess,
  readerGroupId,
  topicAccess,
  topicAccessAll,
  topicAccessFile,
  topicsOfComponent,
} from './topic-access';
export { EventCodec, EventCodecOptions, isTransient } from './event-codec';
export { REGISTRY_REQUEST_TIMEOUT_MS, requestTimeout, schemaRegistry } from './registry-client';
