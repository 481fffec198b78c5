/// Why a JSON text was rejected, and where (1-based line and column, 0-based byte offset).
///
/// The description reads like jq's: `Expected ',' or '}' after object member at line 3, column 7`.
public struct JSONParserError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var line: Int
    public var column: Int
    public var offset: Int

    public init(message: String, line: Int, column: Int, offset: Int) {
        self.message = message
        self.line = line
        self.column = column
        self.offset = offset
    }

    public var description: String { "\(message) at line \(line), column \(column)" }
}
