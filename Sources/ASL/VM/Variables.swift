import ASLJSON
import Synchronization

/// Workflow variables (§9): one scope per execution, plus one per Parallel branch and Map
/// iteration that reads through to its parent. A scope is written only by the frame that owns
/// it: the validator rejects an inner scope assigning an outer name (§9.3), so `set` never
/// reaches a parent, and a parent is suspended while its children read it.
final class VariableScope: @unchecked Sendable {
    let parent: VariableScope?
    /// The execution's byte count, shared by all its scopes.
    let budget: VariableBudget
    private var values: [String: JSONValue] = [:]
    /// Measured size of each variable here (``VariableBudget/size(of:)``).
    private var sizes: [String: Int] = [:]
    /// The sum of `sizes`, given back to the budget when the scope ends.
    private var bytes = 0

    /// The top-level scope of an execution.
    init(budget: VariableBudget) {
        self.parent = nil
        self.budget = budget
    }

    /// A Parallel branch's or Map iteration's scope.
    init(parent: VariableScope) {
        self.parent = parent
        self.budget = parent.budget
    }

    deinit {
        // Inner variables disappear with their branch or iteration (§9.3).
        if bytes != 0 { budget.add(-bytes) }
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

    /// Assigns `name` in this scope, `size` being ``VariableBudget/size(of:)`` of `value`.
    func set(_ name: String, _ value: JSONValue, size: Int) {
        values[name] = value
        let old = sizes.updateValue(size, forKey: name) ?? 0
        bytes += size - old
        budget.add(size - old)
    }
}

/// The bytes all variables of one execution hold (§9.4: at most 10 MiB).
final class VariableBudget: Sendable {
    /// A single variable, and one `Assign` block, at most 256 KiB.
    static let variableLimit = 262_144
    /// All variables of an execution at once, at most 10 MiB.
    static let executionLimit = 10 * 1_048_576

    // Relaxed: a counter. Concurrent branches may each pass the check before the other's bytes
    // land, so the total can overshoot by what the running branches assign at once.
    private let total = Atomic<Int>(0)

    var bytes: Int { total.load(ordering: .relaxed) }

    func add(_ delta: Int) { total.wrappingAdd(delta, ordering: .relaxed) }

    /// The size of `value` as JSON text: exact above a few hundred bytes, a close upper bound
    /// (``Bridge/sizeMetric(_:limit:)``) below, so small values are not serialized.
    static func size(of value: JSONValue) -> Int {
        let bound = Bridge.sizeMetric(value, limit: 512)
        return bound >= 0 ? bound : JSONWriter.bytes(value).count
    }
}
