/// Syntactic checks of the small languages embedded in ASL strings: JSONPath paths and
/// reference paths (ASL-REFERENCE §3.4), intrinsic function calls (§4.2), RFC 3339 timestamps
/// (§5.3) and JSONata `{% %}` strings (§8.1). Each check returns `nil` when the text is fine,
/// else a short explanation.
extension Validator {
    /// What a `$...` string may start with.
    struct PathRules {
        /// Only `.name`, `['name']` and `[index]` steps (a Reference Path).
        var reference = false
        /// `$$...` (the context object) is allowed.
        var context = true
        /// `$name...` (a variable) is allowed.
        var variables = true

        static let path = PathRules()
        static let referencePath = PathRules(reference: true)
        /// `ResultPath`: a reference path into the state's input only.
        static let resultPath = PathRules(reference: true, context: false, variables: false)
    }

    /// Checks a JSONPath string: `$`, `$$` or `$var`, then dot and bracket steps.
    static func checkPath(_ text: String, _ rules: PathRules) -> String? {
        let s = Array(text.unicodeScalars)
        guard s.first == "$" else { return "a path must start with '$'" }
        var i = 1
        if i < s.count, s[i] == "$" {
            guard rules.context else { return "the context object ($$) cannot be used here" }
            i += 1
        } else if i < s.count, isIdentifierStart(s[i]) {
            guard rules.variables else { return "a variable cannot be used here" }
            while i < s.count, isIdentifierPart(s[i]) { i += 1 }
        }
        while i < s.count {
            let c = s[i]
            if c == "." {
                i += 1
                if i < s.count, s[i] == "." {
                    if rules.reference { return "deep scan ('..') is not allowed in a reference path" }
                    i += 1
                    if i < s.count, s[i] == "[" { continue }
                }
                guard i < s.count else { return "a path cannot end with '.'" }
                // Jayway JsonPath (and the Developer Guide's paths page) accept `$.abc.['def ghi']`.
                if s[i] == "[" { continue }
                if s[i] == "*" {
                    if rules.reference { return "wildcards are not allowed in a reference path" }
                    i += 1
                    continue
                }
                let start = i
                while i < s.count, s[i] != ".", s[i] != "[", s[i] != "(" {
                    if s[i] == "]" { return "unexpected ']' at position \(i + 1)" }
                    i += 1
                }
                guard i > start else { return "empty field name after '.'" }
                if i < s.count, s[i] == "(" {
                    if rules.reference { return "functions are not allowed in a reference path" }
                    guard i + 1 < s.count, s[i + 1] == ")" else { return "unbalanced '(' in function call" }
                    i += 2
                    guard i == s.count else { return "a function call must end the path" }
                }
            } else if c == "[" {
                i += 1
                if let problem = checkBracket(s, &i, rules) { return problem }
            } else {
                return "unexpected '\(Character(c))' at position \(i + 1)"
            }
        }
        return nil
    }

    /// Checks one `[...]` step; `i` is just after `[` and ends just after `]`.
    private static func checkBracket(_ s: [Unicode.Scalar], _ i: inout Int, _ rules: PathRules) -> String? {
        func skipSpaces() { while i < s.count, s[i] == " " { i += 1 } }
        skipSpaces()
        guard i < s.count else { return "unclosed '['" }
        switch s[i] {
        case "'", "\"":
            var names = 0
            while true {
                skipSpaces()
                guard i < s.count, s[i] == "'" || s[i] == "\"" else { return "expected a quoted name in brackets" }
                let quote = s[i]
                i += 1
                while i < s.count, s[i] != quote {
                    if s[i] == "\\" { i += 1 }
                    i += 1
                }
                guard i < s.count else { return "unterminated quoted name" }
                i += 1
                names += 1
                skipSpaces()
                guard i < s.count else { return "unclosed '['" }
                if s[i] == "]" { i += 1; break }
                guard s[i] == "," else { return "expected ',' or ']' after a quoted name" }
                i += 1
            }
            if rules.reference, names > 1 { return "name lists are not allowed in a reference path" }
            return nil
        case "*":
            if rules.reference { return "wildcards are not allowed in a reference path" }
            i += 1
            skipSpaces()
            guard i < s.count, s[i] == "]" else { return "expected ']' after '*'" }
            i += 1
            return nil
        case "?":
            if rules.reference { return "filters are not allowed in a reference path" }
            i += 1
            guard i < s.count, s[i] == "(" else { return "expected '(' after '?'" }
            var depth = 0
            var quote: Unicode.Scalar?
            while i < s.count {
                let c = s[i]
                if let q = quote {
                    if c == "\\" { i += 1 } else if c == q { quote = nil }
                } else if c == "'" || c == "\"" {
                    quote = c
                } else if c == "(" {
                    depth += 1
                } else if c == ")" {
                    depth -= 1
                    if depth == 0 { i += 1; break }
                }
                i += 1
            }
            guard depth == 0, quote == nil else { return "unbalanced filter expression" }
            skipSpaces()
            guard i < s.count, s[i] == "]" else { return "expected ']' after a filter" }
            i += 1
            return nil
        default:
            // Index, index list or slice: [-]digits, ',' and ':'.
            let start = i
            var sawDigit = false
            while i < s.count, s[i] != "]" {
                let c = s[i]
                if c.properties.numericType != nil, c.isASCII { sawDigit = true } else if c == "-" || c == ":" || c == "," || c == " " {
                    if rules.reference { return "only a single index is allowed in a reference path" }
                } else {
                    return "unexpected '\(Character(c))' in brackets"
                }
                i += 1
            }
            guard i < s.count else { return "unclosed '['" }
            guard sawDigit || s[start..<i].contains(":") else { return "empty brackets" }
            i += 1
            return nil
        }
    }

    static func isIdentifierStart(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c.properties.isAlphabetic
    }

    static func isIdentifierPart(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c.properties.isAlphabetic || (c.isASCII && c.properties.numericType != nil)
    }

    // MARK: - Intrinsic functions

    /// Known intrinsic functions and their argument counts (min, max; `nil` = unbounded).
    static let intrinsicArity: [String: (Int, Int?)] = [
        "Format": (1, nil), "StringToJson": (1, 1), "JsonToString": (1, 1), "Array": (0, nil),
        "ArrayPartition": (2, 2), "ArrayContains": (2, 2), "ArrayRange": (3, 3), "ArrayGetItem": (2, 2),
        "ArrayLength": (1, 1), "ArrayUnique": (1, 1), "Base64Encode": (1, 1), "Base64Decode": (1, 1),
        "Hash": (2, 2), "JsonMerge": (3, 3), "MathRandom": (2, 3), "MathAdd": (2, 2), "StringSplit": (2, 2),
        "UUID": (0, 0),
    ]

    /// The most nested calls one field may hold (ASL-REFERENCE §4.1).
    static let maxIntrinsicNesting = 10

    /// Whether `text` looks like an attempt at an intrinsic call (`States.` prefix).
    static func looksLikeIntrinsic(_ text: String) -> Bool { text.hasPrefix("States.") }

    /// Checks a whole intrinsic call string such as `States.Format('{}', $.a)`. On success
    /// returns `nil` and the outermost function's name through `outermost`.
    static func checkIntrinsic(_ text: String, outermost: inout String) -> String? {
        var parser = IntrinsicChecker(s: Array(text.unicodeScalars))
        if let problem = parser.call(depth: 1, name: &outermost) { return problem }
        parser.skipSpaces()
        if parser.i < parser.s.count { return "unexpected text after the closing ')'" }
        return nil
    }

    private struct IntrinsicChecker {
        let s: [Unicode.Scalar]
        var i = 0

        mutating func skipSpaces() { while i < s.count, s[i] == " " || s[i] == "\t" || s[i] == "\n" || s[i] == "\r" { i += 1 } }

        func startsWith(_ prefix: String) -> Bool {
            let p = Array(prefix.unicodeScalars)
            return i + p.count <= s.count && Array(s[i..<(i + p.count)]) == p
        }

        mutating func call(depth: Int, name: inout String) -> String? {
            guard depth <= Validator.maxIntrinsicNesting else {
                return "intrinsic functions can be nested at most \(Validator.maxIntrinsicNesting) deep"
            }
            guard startsWith("States.") else { return "expected 'States.<Function>('" }
            i += 7
            let start = i
            while i < s.count, s[i].isASCII, s[i].properties.isAlphabetic || s[i].properties.numericType != nil { i += 1 }
            name = String(String.UnicodeScalarView(s[start..<i]))
            guard let arity = Validator.intrinsicArity[name] else {
                return name.isEmpty ? "missing function name after 'States.'" : "unknown intrinsic function 'States.\(name)'"
            }
            skipSpaces()
            guard i < s.count, s[i] == "(" else { return "expected '(' after 'States.\(name)'" }
            i += 1
            skipSpaces()
            var count = 0
            if i < s.count, s[i] == ")" {
                i += 1
            } else {
                while true {
                    if let problem = argument(depth: depth) { return problem }
                    count += 1
                    skipSpaces()
                    guard i < s.count else { return "missing ')' to close 'States.\(name)('" }
                    if s[i] == ")" { i += 1; break }
                    guard s[i] == "," else { return "expected ',' or ')' in the arguments of 'States.\(name)'" }
                    i += 1
                }
            }
            if count < arity.0 || (arity.1.map { count > $0 } ?? false) {
                let expected: String
                if let max = arity.1 { expected = max == arity.0 ? "\(max)" : "\(arity.0) to \(max)" } else { expected = "at least \(arity.0)" }
                return "'States.\(name)' takes \(expected) argument\(expected == "1" ? "" : "s"), but was given \(count)"
            }
            return nil
        }

        mutating func argument(depth: Int) -> String? {
            skipSpaces()
            guard i < s.count else { return "missing argument" }
            let c = s[i]
            if c == "'" {
                i += 1
                while i < s.count, s[i] != "'" {
                    if s[i] == "\\" {
                        guard i + 1 < s.count, ["'", "{", "}", "\\"].contains(s[i + 1]) else {
                            return "invalid escape in a string literal (only \\', \\{, \\} and \\\\ are allowed)"
                        }
                        i += 1
                    }
                    i += 1
                }
                guard i < s.count else { return "unterminated string literal" }
                i += 1
                return nil
            }
            if c == "$" {
                let start = i
                var bracket = 0
                var paren = 0
                var quote: Unicode.Scalar?
                while i < s.count {
                    let d = s[i]
                    if let q = quote {
                        if d == "\\" { i += 1 } else if d == q { quote = nil }
                    } else if d == "'" || d == "\"" {
                        quote = d
                    } else if d == "[" {
                        bracket += 1
                    } else if d == "]" {
                        bracket -= 1
                    } else if d == "(" {
                        paren += 1
                    } else if d == ")" {
                        if paren == 0 && bracket == 0 { break }
                        paren -= 1
                    } else if d == "," || d == " ", bracket == 0, paren == 0 {
                        break
                    }
                    i += 1
                }
                let path = String(String.UnicodeScalarView(s[start..<i]))
                if let problem = Validator.checkPath(path, .path) { return "invalid path argument '\(path)': \(problem)" }
                return nil
            }
            if startsWith("States.") {
                var inner = ""
                return call(depth: depth + 1, name: &inner)
            }
            for literal in ["true", "false", "null"] where startsWith(literal) {
                i += literal.unicodeScalars.count
                return nil
            }
            if c == "-" || (c.isASCII && c.properties.numericType != nil) {
                let start = i
                if s[i] == "-" { i += 1 }
                var digits = 0
                while i < s.count, s[i].isASCII, s[i].properties.numericType != nil || s[i] == "." || s[i] == "e" || s[i] == "E" || s[i] == "+" || s[i] == "-" {
                    digits += 1
                    i += 1
                }
                let text = String(String.UnicodeScalarView(s[start..<i]))
                guard digits > 0, Double(text) != nil else { return "invalid number '\(text)'" }
                return nil
            }
            return "unexpected '\(Character(c))' in the arguments"
        }
    }

    // MARK: - Timestamps

    /// RFC 3339 (`2016-03-14T01:59:00Z`, `2016-03-14T01:59:00.123+01:00`): uppercase `T`,
    /// `Z` or a numeric offset, real calendar values.
    static func isTimestamp(_ text: String) -> Bool {
        let b = Array(text.utf8)
        func digits(_ at: Int, _ n: Int) -> Int? {
            guard at + n <= b.count else { return nil }
            var v = 0
            for k in at..<(at + n) {
                guard b[k] >= 0x30, b[k] <= 0x39 else { return nil }
                v = v * 10 + Int(b[k] - 0x30)
            }
            return v
        }
        guard b.count >= 20, let year = digits(0, 4), b[4] == 0x2D, let month = digits(5, 2), b[7] == 0x2D,
              let day = digits(8, 2), b[10] == 0x54, let hour = digits(11, 2), b[13] == 0x3A,
              let minute = digits(14, 2), b[16] == 0x3A, let second = digits(17, 2)
        else { return false }
        guard (1...12).contains(month), hour <= 23, minute <= 59, second <= 59 else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard (1...days).contains(day) else { return false }
        var i = 19
        if i < b.count, b[i] == 0x2E {
            i += 1
            let start = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            guard i > start else { return false }
        }
        guard i < b.count else { return false }
        if b[i] == 0x5A { return i + 1 == b.count }
        guard b[i] == 0x2B || b[i] == 0x2D, let oh = digits(i + 1, 2), i + 3 < b.count, b[i + 3] == 0x3A,
              let om = digits(i + 4, 2), i + 6 == b.count
        else { return false }
        return oh <= 18 && om <= 59
    }

    // MARK: - JSONata

    /// Whether `text` is a JSONata expression string (`{% ... %}`, ASL-REFERENCE §8.1).
    static func isJSONata(_ text: String) -> Bool { StateDefinition.jsonataBody(text) != nil }
}
