// Integration tests start a Spark runner and run whole batches: minutes, not the 5 s default.
jest.setTimeout(900000);
