/// An RFC 6901 JSON pointer (`/States/Foo/Next`), used to locate diagnostics.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    /// The unescaped reference tokens, outermost first.
    public private(set) var tokens: [String]

    /// A pointer from its tokens.
    public init(_ tokens: [String] = []) { self.tokens = tokens }

    /// The root pointer (`""` in RFC 6901, shown as `/` in AWS diagnostics).
    public static let root = JSONPointer()

    /// This pointer extended by an object key.
    public func appending(_ token: String) -> JSONPointer { JSONPointer(tokens + [token]) }
    /// This pointer extended by an array index.
    public func appending(_ index: Int) -> JSONPointer { JSONPointer(tokens + [String(index)]) }

    /// `pointer / "key"` appends a key.
    public static func / (lhs: JSONPointer, rhs: String) -> JSONPointer { lhs.appending(rhs) }
    /// `pointer / 3` appends an index.
    public static func / (lhs: JSONPointer, rhs: Int) -> JSONPointer { lhs.appending(rhs) }

    /// `/a/b~1c` form; the root is `/`.
    public var description: String {
        if tokens.isEmpty { return "/" }
        return tokens.map { "/" + $0.replacingOccurrences("~", "~0").replacingOccurrences("/", "~1") }.joined()
    }

    /// The value this pointer designates inside `root`, if any.
    public func resolve(in root: JSONValue) -> JSONValue? {
        var current = root
        for token in tokens {
            switch current {
            case .object(let o):
                guard let v = o[token] else { return nil }
                current = v
            case .array(let a):
                guard let i = Int(token), i >= 0, i < a.count else { return nil }
                current = a[i]
            default: return nil
            }
        }
        return current
    }
}

extension String {
    func replacingOccurrences(_ target: Character, _ replacement: String) -> String {
        guard contains(target) else { return self }
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
