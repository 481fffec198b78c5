import ASLJSON

/// Expressions the validator has already parsed, handed to the compiler so that it does not
/// parse them again: JSONPath paths and payload templates' `.$` values by their text, JSONata
/// templates by the location and name of their field. The compiler parses whatever is not here (a definition built in code, or a
/// form the validator does not keep).
struct ParsedExpressions: Sendable {
    /// Where a JSONata template sits: the pointer of its field and the field's name (the name
    /// appears in error causes, so a template is only reused under the same one).
    struct Field: Hashable, Sendable {
        var location: JSONPointer
        var name: String
    }

    var paths: [String: JSONPath] = [:]
    /// The values of payload templates' `.$` keys (paths and intrinsic calls), by their text.
    var dynamicValues: [String: PayloadTemplate.Expression] = [:]
    var jsonata: [Field: JSONataTemplate] = [:]
}
