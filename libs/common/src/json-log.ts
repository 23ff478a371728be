/** One structured JSON log line on stderr: {"ts", "level", "msg", ...fields}. */
export function jsonLog(level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown> = {}): void {
  process.stderr.write(JSON.stringify({ ts: new Date().toISOString(), level, msg, ...fields }) + '\n');
}
