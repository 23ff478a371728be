import { LoggerService } from '@nestjs/common';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
let threshold: LogLevel =
  (['debug', 'info', 'warn', 'error'] as const).find((l) => l === process.env.LOG_LEVEL) ?? 'info';
let baseFields: Record<string, unknown> = {};

export function configureLogging(level: LogLevel, fields: Record<string, unknown>): void {
  threshold = level;
  baseFields = fields;
}

/** One structured JSON log line on stderr: {"ts", "level", "msg", ...fields}. */
export function jsonLog(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
  if (RANK[level] < RANK[threshold]) return;
  process.stderr.write(JSON.stringify({ ts: new Date().toISOString(), level, msg, ...baseFields, ...fields }) + '\n');
}

/** Nest's logger interface onto jsonLog, so framework lines are JSON too. */
export class JsonLogger implements LoggerService {
  log(message: unknown, context?: string): void {
    jsonLog('info', String(message), context ? { context } : {});
  }
  error(message: unknown, trace?: string, context?: string): void {
    jsonLog('error', String(message), { ...(context ? { context } : {}), ...(trace ? { trace } : {}) });
  }
  warn(message: unknown, context?: string): void {
    jsonLog('warn', String(message), context ? { context } : {});
  }
  debug(message: unknown, context?: string): void {
    jsonLog('debug', String(message), context ? { context } : {});
  }
  verbose(message: unknown, context?: string): void {
    jsonLog('debug', String(message), context ? { context } : {});
  }
}
