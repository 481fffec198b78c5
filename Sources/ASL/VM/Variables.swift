import ASLJSON

/// Workflow variables (§9): one scope per execution, plus one per Parallel branch and Map
/// iteration that reads through to its parent. A parent is suspended while its children
/// run, so a scope is only written by the frame that owns it.
final class VariableScope: @unchecked Sendable {
    let parent: VariableScope?
    private var values: [String: JSONValue] = [:]

    init(parent: VariableScope?) { self.parent = parent }

    func get(_ name: String) -> JSONValue? {
        var scope: VariableScope? = self
        while let s = scope {
            if let v = s.values[name] { return v }
            scope = s.parent
        }
        return nil
    }

    /// Assigns in the scope that already holds the name, else in this one.
    func set(_ name: String, _ value: JSONValue) {
        var scope: VariableScope? = self
        while let s = scope {
            if s.values[name] != nil { s.values[name] = value; return }
            scope = s.parent
        }
        values[name] = value
    }

    /// Every variable visible from this scope (inner scopes shadow outer ones).
    func visible() -> JSONObject {
        var out = parent?.visible() ?? JSONObject()
        for (k, v) in values.sorted(by: { $0.key < $1.key }) { out[k] = v }
        return out
    }
}
