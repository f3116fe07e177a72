// Jest's node environment, in a worker that leaves through process.exit once it has nothing left to run.
//
// A worker ends by letting its event loop drain; Node then disposes V8's heap page by page, and an
// e2e worker's heap (ts-jest's type checker, which the Swagger plugin needs, and the apps' modules) is
// about 400 MB live: 400-750 ms here, past the 500 ms Jest waits before it kills the worker and warns
// "A worker process has failed to exit gracefully" (one run in two on three e2e files). process.exit
// leaves the memory to the kernel at once. 'beforeExit' comes only when no handle is left, so a test
// that leaks a socket or a timer still keeps its worker alive and still gets the warning.
const { TestEnvironment } = require('jest-environment-node');

if (process.send) process.once('beforeExit', () => process.exit());

module.exports = TestEnvironment;
