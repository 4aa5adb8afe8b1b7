// Transitional: the tests moved to Tests/BackpressureBenchUnitTests (no process started) and
// Tests/BackpressureBenchEndToEndTests (every test that starts one); their shared helpers
// (TestSupport, Synthetic, ChildProcessTestCase, ProcessFreeTestCase) are in the BenchTestSupport
// module. A test file still in this folder goes to one of the two targets (see the README's
// Layout); this file and the target go with the last of them.
@_exported import BenchTestSupport
