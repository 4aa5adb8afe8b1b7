import BenchSystem
import XCTest

extension XCTestCase {
    /// The message of the usage error (64) `body` throws, nil when it throws none; any other
    /// error fails the test. What the option-value tests (`RunSettingsTests`, `CheckSettingsTests`)
    /// compare each refusal with. (An untyped closure: a typed-throws one returning Void crashes
    /// Swift 6.3.1.)
    func usage(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> String? {
        do {
            try body()
            return nil
        } catch let error as BenchError {
            XCTAssertEqual(error.kind, .usage, file: file, line: line)
            return error.message
        } catch {
            XCTFail("\(error)", file: file, line: line)
            return nil
        }
    }
}
