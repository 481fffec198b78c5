import ASLJSON

/// Workflow variables (§9): one scope per execution, plus one per Parallel branch and Map
/// iteration that reads through to its parent. A scope is written only by the frame that owns
/// it: the validator rejects an inner scope assigning an outer name (§9.3), so `set` never
/// reaches a parent, and a parent is suspended while its children read it.
final class VariableScope: @unchecked Sendable {
    let parent: VariableScope?
    /// The execution, whose variable byte count all its scopes share.
    let execution: ExecutionState
    private var values: [String: JSONValue] = [:]
    /// Measured size of each variable here (``VariableLimits/size(of:)``).
    private var sizes: [String: Int] = [:]
    /// The sum of `sizes`, given back to the execution's count when the scope ends.
    private var bytes = 0

    /// The top-level scope of an execution.
    init(execution: ExecutionState) {
        self.parent = nil
        self.execution = execution
    }

    /// A Parallel branch's or Map iteration's scope.
    init(parent: VariableScope) {
        self.parent = parent
        self.execution = parent.execution
    }

    deinit {
        // Inner variables disappear with their branch or iteration (§9.3).
        if bytes != 0 { execution.addVariableBytes(-bytes) }
    }

    func get(_ name: String) -> JSONValue? {
        var scope: VariableScope? = self
        while let s = scope {
            if let v = s.values[name] { return v }
            scope = s.parent
        }
        return nil
    }

    /// The measured size of `name` in this scope (0 when it is not set here).
    func size(of name: String) -> Int { sizes[name] ?? 0 }

    /// Assigns `name` in this scope, `size` being ``VariableLimits/size(of:)`` of `value`.
    func set(_ name: String, _ value: JSONValue, size: Int) {
        values[name] = value
        let old = sizes.updateValue(size, forKey: name) ?? 0
        bytes += size - old
        execution.addVariableBytes(size - old)
    }

    /// Every variable visible from this scope (inner scopes shadow outer ones).
    func visible() -> JSONObject {
        var out = parent?.visible() ?? JSONObject()
        for (k, v) in values.sorted(by: { $0.key < $1.key }) { out[k] = v }
        return out
    }
}

/// Variable size limits (§9.4); `ExecutionState.variableBytes` counts an execution's total.
enum VariableLimits {
    /// A single variable, and one `Assign` block, at most 256 KiB.
    static let variableLimit = 262_144
    /// All variables of an execution at once, at most 10 MiB.
    static let executionLimit = 10 * 1_048_576

    /// The size of `value` as JSON text: exact above a few hundred bytes, a close upper bound
    /// (``Bridge/sizeMetric(_:limit:)``) below, so small values are not serialized.
    static func size(of value: JSONValue) -> Int {
        let bound = Bridge.sizeMetric(value, limit: 512)
        return bound >= 0 ? bound : JSONWriter.bytes(value).count
    }
}

extension ExecutionState {
    /// Bytes held by all variable scopes of the execution.
    var variableBytes: Int {
        // Relaxed: see `variableByteCount`.
        variableByteCount.load(ordering: .relaxed)
    }


    func addVariableBytes(_ delta: Int) {
        // Relaxed: see `variableByteCount`.
        variableByteCount.wrappingAdd(delta, ordering: .relaxed)
    }
}
