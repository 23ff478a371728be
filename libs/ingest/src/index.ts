/** What a source file must be before it is appended: the JSON-lines reader, the column types' checks, the staged file, and the plan of a load in parts. */
export * from './ingest';
export * from './load-plan';
