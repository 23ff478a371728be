import { logLevel } from 'kafkajs';
// kafkajs' own table of protocol errors: the messages it logs are these, so a renamed one fails here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { errorCodes } = require('kafkajs/src/protocol/error') as {
  errorCodes: Array<{ type: string; message: string }>;
};
import { EnvConfigError, EnvReader } from '../env';
import { heartbeatIntervalMs, kafkaLogLevel, kafkaSettingsFromEnv } from './kafka-settings';

const message = (type: string) => errorCodes.find((e) => e.type === type)!.message;

describe('kafkaLogLevel', () => {
  it.each([
    'GROUP_LOAD_IN_PROGRESS',
    'GROUP_COORDINATOR_NOT_AVAILABLE',
    'NOT_COORDINATOR_FOR_GROUP',
    'LEADER_NOT_AVAILABLE',
    'UNKNOWN_TOPIC_OR_PARTITION',
    'REBALANCE_IN_PROGRESS',
  ])('logs the retried %s at debug, not error', (type) =>
    expect(kafkaLogLevel(logLevel.ERROR, { error: message(type) })).toBe('debug'),
  );

  it('logs a CreateTopics response with errors at info: two services creating one topic, its admin call decides', () => {
    const response = 'Response CreateTopics(key: 19, version: 3)';
    expect(kafkaLogLevel(logLevel.ERROR, { error: 'Topic creation errors' }, response)).toBe('info');
    expect(
      kafkaLogLevel(logLevel.ERROR, { error: 'Topic creation errors' }, 'Response Produce(key: 0, version: 7)'),
    ).toBe('error');
  });

  it('keeps other errors at their level', () => {
    expect(kafkaLogLevel(logLevel.ERROR, { error: message('TOPIC_AUTHORIZATION_FAILED') })).toBe('error');
    expect(kafkaLogLevel(logLevel.ERROR, { error: 'Connection timeout' })).toBe('error');
    expect(kafkaLogLevel(logLevel.WARN, {})).toBe('warn');
  });
});

describe('KAFKA_SESSION_TIMEOUT_MS', () => {
  const read = (env: NodeJS.ProcessEnv) => {
    const reader = new EnvReader(env);
    const settings = kafkaSettingsFromEnv(reader, 'classifier');
    reader.done();
    return settings.sessionTimeoutMs;
  };

  it('is 45 s by default and what the variable says otherwise', () => {
    expect(read({})).toBe(45000);
    expect(read({ KAFKA_SESSION_TIMEOUT_MS: '10000' })).toBe(10000);
  });

  it('refuses a session shorter than the broker allows, naming the variable', () => {
    expect(() => read({ KAFKA_SESSION_TIMEOUT_MS: '5000' })).toThrow(EnvConfigError);
    expect(() => read({ KAFKA_SESSION_TIMEOUT_MS: '5000' })).toThrow(
      /KAFKA_SESSION_TIMEOUT_MS: expected an integer ≥ 6000, received "5000"/,
    );
  });

  it('heartbeats every 3 s, or a third of a shorter session', () => {
    expect(heartbeatIntervalMs(45000)).toBe(3000);
    expect(heartbeatIntervalMs(6000)).toBe(2000);
  });
});
