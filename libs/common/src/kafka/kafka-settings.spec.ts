import { logLevel } from 'kafkajs';
// kafkajs' own table of protocol errors: the messages it logs are these, so a renamed one fails here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { errorCodes } = require('kafkajs/src/protocol/error') as { errorCodes: Array<{ type: string; message: string }> };
import { kafkaLogLevel } from './kafka-settings';

const message = (type: string) => errorCodes.find((e) => e.type === type)!.message;

describe('kafkaLogLevel', () => {
  it.each(['GROUP_LOAD_IN_PROGRESS', 'GROUP_COORDINATOR_NOT_AVAILABLE', 'NOT_COORDINATOR_FOR_GROUP', 'LEADER_NOT_AVAILABLE', 'UNKNOWN_TOPIC_OR_PARTITION', 'REBALANCE_IN_PROGRESS'])(
    'logs the retried %s at debug, not error',
    (type) => expect(kafkaLogLevel(logLevel.ERROR, { error: message(type) })).toBe('debug'),
  );

  it('keeps other errors at their level', () => {
    expect(kafkaLogLevel(logLevel.ERROR, { error: message('TOPIC_AUTHORIZATION_FAILED') })).toBe('error');
    expect(kafkaLogLevel(logLevel.ERROR, { error: 'Connection timeout' })).toBe('error');
    expect(kafkaLogLevel(logLevel.WARN, {})).toBe('warn');
  });
});
