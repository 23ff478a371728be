/**
 * Test support: the hostile-input corpus for the ingest's reader (issue 25), generated JSON-lines files each
 * with the rows it must land or the line its refusal must name. Like libs/testing, outside the layers and the build.
 */
export * from './hostile-corpus';
