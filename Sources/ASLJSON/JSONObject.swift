/// A JSON object: keys in insertion order, copy-on-write, with a hash index for large objects.
///
/// Small objects (the common case for events) are searched linearly, which beats hashing for a
/// handful of short keys; objects with more than ``indexThreshold`` keys also carry a
/// `[String: Int]` index so lookups stay O(1).
public struct JSONObject: Sendable, Hashable {
    @usableFromInline final class Storage: @unchecked Sendable {
        // Mutated only while uniquely referenced (copy-on-write), so sharing is safe.
        @usableFromInline var keys: ContiguousArray<String>
        @usableFromInline var values: ContiguousArray<JSONValue>
        @usableFromInline var index: [String: Int]?

        @usableFromInline init(keys: ContiguousArray<String>, values: ContiguousArray<JSONValue>, index: [String: Int]?) {
            self.keys = keys
            self.values = values
            self.index = index
        }
    }

    /// Objects larger than this keep a hash index.
    public static let indexThreshold = 12

    @usableFromInline var storage: Storage

    public init() { storage = Storage(keys: [], values: [], index: nil) }

    public init(minimumCapacity: Int) {
        var keys = ContiguousArray<String>(); keys.reserveCapacity(minimumCapacity)
        var values = ContiguousArray<JSONValue>(); values.reserveCapacity(minimumCapacity)
        storage = Storage(keys: keys, values: values, index: nil)
    }

    /// Builds an object from parallel key/value arrays; a later duplicate key overwrites the
    /// earlier value in place (Jackson's behaviour: last one wins, first position kept).
    public init(keys: ContiguousArray<String>, values: ContiguousArray<JSONValue>) {
        precondition(keys.count == values.count)
        storage = Storage(keys: keys, values: values, index: nil)
        if keys.count > 1 { dedupeAndIndex() }
    }

    public init(_ pairs: [(String, JSONValue)]) {
        self.init(minimumCapacity: pairs.count)
        for (k, v) in pairs { self[k] = v }
    }

    private mutating func dedupeAndIndex() {
        let keys = storage.keys
        if keys.count > Self.indexThreshold {
            var index = [String: Int](minimumCapacity: keys.count)
            var duplicate = false
            for (i, k) in keys.enumerated() where index.updateValue(i, forKey: k) != nil { duplicate = true }
            if !duplicate { storage.index = index; return }
        } else {
            var duplicate = false
            outer: for i in 1..<keys.count {
                for j in 0..<i where keys[j] == keys[i] { duplicate = true; break outer }
            }
            if !duplicate { return }
        }
        let values = storage.values
        storage = Storage(keys: [], values: [], index: nil)
        for i in keys.indices { self[keys[i]] = values[i] }
    }

    @inlinable public var count: Int { storage.keys.count }
    @inlinable public var isEmpty: Bool { storage.keys.isEmpty }
    @inlinable public var keys: ContiguousArray<String> { storage.keys }
    @inlinable public var values: ContiguousArray<JSONValue> { storage.values }

    /// The position of `key`, if present.
    @inlinable public func index(forKey key: String) -> Int? {
        if let index = storage.index { return index[key] }
        let keys = storage.keys
        for i in keys.indices where keys[i] == key { return i }
        return nil
    }

    @inlinable public func key(at i: Int) -> String { storage.keys[i] }
    @inlinable public func value(at i: Int) -> JSONValue { storage.values[i] }

    /// Reads, replaces (keeping position), appends, or with `nil` removes a field.
    @inlinable public subscript(key: String) -> JSONValue? {
        get {
            guard let i = index(forKey: key) else { return nil }
            return storage.values[i]
        }
        set {
            if let newValue { setValue(newValue, forKey: key) } else { removeValue(forKey: key) }
        }
    }

    @usableFromInline mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            storage = Storage(keys: storage.keys, values: storage.values, index: storage.index)
        }
    }

    public mutating func setValue(_ value: JSONValue, forKey key: String) {
        makeUnique()
        if let i = index(forKey: key) { storage.values[i] = value; return }
        storage.keys.append(key)
        storage.values.append(value)
        let n = storage.keys.count
        if storage.index != nil {
            storage.index![key] = n - 1
        } else if n > Self.indexThreshold {
            var index = [String: Int](minimumCapacity: n * 2)
            for (i, k) in storage.keys.enumerated() { index[k] = i }
            storage.index = index
        }
    }

    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let i = index(forKey: key) else { return nil }
        makeUnique()
        storage.keys.remove(at: i)
        let old = storage.values.remove(at: i)
        if storage.index != nil {
            if storage.keys.count > Self.indexThreshold {
                var index = [String: Int](minimumCapacity: storage.keys.count)
                for (j, k) in storage.keys.enumerated() { index[k] = j }
                storage.index = index
            } else {
                storage.index = nil
            }
        }
        return old
    }

    /// Fields in order.
    public var entries: [(key: String, value: JSONValue)] {
        (0..<count).map { (storage.keys[$0], storage.values[$0]) }
    }

    /// Order-insensitive equality, as JSON object equality is.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        if lhs.storage === rhs.storage { return true }
        guard lhs.count == rhs.count else { return false }
        for i in 0..<lhs.count {
            guard let v = rhs[lhs.storage.keys[i]], v == lhs.storage.values[i] else { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        // Order-insensitive: combine per-entry hashes commutatively.
        var acc = 0
        for i in 0..<count {
            var h = Hasher()
            h.combine(storage.keys[i])
            h.combine(storage.values[i])
            acc ^= h.finalize()
        }
        hasher.combine(count)
        hasher.combine(acc)
    }
}

extension JSONObject: Sequence {
    public struct Iterator: IteratorProtocol {
        let object: JSONObject
        var i = 0
        public mutating func next() -> (key: String, value: JSONValue)? {
            guard i < object.count else { return nil }
            defer { i += 1 }
            return (object.storage.keys[i], object.storage.values[i])
        }
    }
    public func makeIterator() -> Iterator { Iterator(object: self) }
}
