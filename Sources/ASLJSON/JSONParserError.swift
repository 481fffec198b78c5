/// Why a JSON text was rejected, and where (1-based line and column, 0-based byte offset).
///
/// The description reads like jq's: `Expected ',' or '}' after object member at line 3, column 7`.
public struct JSONParserError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was expected and what was found, e.g. `Expected ':' after object key but found character '1'`.
    public var message: String
    /// 1-based line (lines end at `\n`).
    public var line: Int
    /// 1-based column, counted in characters (UTF-8 continuation bytes do not count).
    public var column: Int
    /// 0-based byte offset of the fault.
    public var offset: Int

    /// An error at the given position.
    public init(message: String, line: Int, column: Int, offset: Int) {
        self.message = message
        self.line = line
        self.column = column
        self.offset = offset
    }

    /// `message at line L, column C`.
    public var description: String { "\(message) at line \(line), column \(column)" }
}
