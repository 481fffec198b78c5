/// A JSON object: keys in insertion order, copy-on-write, with a hash index for large objects.
///
/// Layout: one heap block per object, a `ManagedBuffer` whose header holds the count, the
/// capacity and the optional index, followed inline by the fields (key and value side by
/// side). Parsing an object therefore costs one allocation, and reading a field touches one
/// block. Small objects (the common case for events) are searched linearly, which beats
/// hashing for a handful of short keys; objects with more than ``indexThreshold`` keys also
/// carry a `[String: Int]` index so lookups stay O(1).
public struct JSONObject: @unchecked Sendable, Hashable {
    // Sendable: the storage block is mutated only while uniquely referenced (copy-on-write),
    // so sharing a JSONObject between threads only ever shares immutable memory.
    /// One member, stored inline in the object's block.
    @usableFromInline struct Field {
        @usableFromInline var key: String
        @usableFromInline var value: JSONValue
        @inlinable init(key: String, value: JSONValue) { self.key = key; self.value = value }
    }

    @usableFromInline struct Header {
        @usableFromInline var count: Int
        @usableFromInline var capacity: Int
        /// Key → position, present only when `count > indexThreshold`.
        @usableFromInline var index: [String: Int]?
        /// The object's ``JSONValue/sizeBound``, kept exact by every mutation (and added up by
        /// the parser), so size checks never walk an object; -1 would mean unknown.
        @usableFromInline var sizeBound: Int
        @inlinable init(count: Int, capacity: Int, index: [String: Int]?) {
            self.count = count; self.capacity = capacity; self.index = index
            self.sizeBound = count == 0 ? 2 : -1
        }
    }

    @usableFromInline final class Storage: ManagedBuffer<Header, Field> {
        @inlinable static func make(capacity: Int) -> Storage {
            let buffer = Storage.create(minimumCapacity: capacity) { _ in Header(count: 0, capacity: capacity, index: nil) }
            return unsafeDowncast(buffer, to: Storage.self)
        }

        /// The header read through its pointer. `ManagedBuffer.header` is a class stored
        /// property, so each use of it pays a dynamic exclusivity check (`swift_beginAccess`,
        /// ~80 instructions) in every build that enforces exclusivity, which is every build of
        /// a library used as a versioned dependency; the pointer pays none. The header is only
        /// written while the storage is uniquely referenced (copy-on-write), never during a read.
        @inlinable var headerValue: Header { withUnsafeMutablePointerToHeader { $0.pointee } }
        @inlinable var count: Int { withUnsafeMutablePointerToHeader { $0.pointee.count } }
        @inlinable var hasIndex: Bool { withUnsafeMutablePointerToHeader { $0.pointee.index != nil } }
        @inlinable var sizeBound: Int { withUnsafeMutablePointerToHeader { $0.pointee.sizeBound } }

        deinit {
            // One element at a time: specialised destroy code instead of the generic
            // value-witness loop that a bulk `deinitialize(count:)` runs.
            withUnsafeMutablePointers { header, fields in
                for i in 0..<header.pointee.count { (fields + i).deinitialize(count: 1) }
            }
        }
    }

    /// Objects larger than this keep a hash index.
    public static let indexThreshold = 12

    @usableFromInline nonisolated(unsafe) static let emptyStorage = Storage.make(capacity: 0)

    @usableFromInline var storage: Storage

    /// An empty object (shares one empty block until first written to).
    public init() { storage = Self.emptyStorage }

    /// An empty object with room for `minimumCapacity` fields.
    public init(minimumCapacity: Int) {
        storage = minimumCapacity > 0 ? Storage.make(capacity: minimumCapacity) : Self.emptyStorage
    }

    /// Builds an object from parallel key/value arrays; a later duplicate key overwrites the
    /// earlier value in place (Jackson's behaviour: last one wins, first position kept).
    public init(keys: ContiguousArray<String>, values: ContiguousArray<JSONValue>) {
        precondition(keys.count == values.count)
        self.init(minimumCapacity: keys.count)
        for i in keys.indices { self[keys[i]] = values[i] }
    }

    /// Builds an object from key/value pairs in order; a later duplicate key overwrites the
    /// earlier value in place.
    public init(_ pairs: [(String, JSONValue)]) {
        self.init(minimumCapacity: pairs.count)
        for (k, v) in pairs { self[k] = v }
    }

    /// Takes `count` fields moved out of `fields`, which the caller has checked hold no
    /// duplicate keys (the parser's path: one allocation, no re-hashing for small objects);
    /// `sizeBound` is their ``JSONValue/sizeBound``, which the parser adds up as it goes.
    @usableFromInline init(movingUniqueFields fields: UnsafeMutablePointer<Field>, count: Int, sizeBound: Int) {
        guard count > 0 else { storage = Self.emptyStorage; return }
        storage = Storage.make(capacity: count)
        storage.withUnsafeMutablePointers { header, destination in
            destination.moveInitialize(from: fields, count: count)
            header.pointee.count = count
            // Recorded now, while the block is ours alone: later size checks on this object
            // (one per state in a workflow) then cost nothing.
            header.pointee.sizeBound = sizeBound
        }
        if count > Self.indexThreshold { rebuildIndex() }
    }

    /// The number of fields.
    @inlinable public var count: Int { storage.count }
    /// Whether the object has no fields.
    @inlinable public var isEmpty: Bool { storage.count == 0 }

    /// The keys in order (builds an array; iterate the object or use ``key(at:)`` to avoid it).
    @inlinable public var keys: ContiguousArray<String> {
        withFields { fields in ContiguousArray(fields.lazy.map(\.key)) }
    }

    /// The values in order (builds an array; iterate the object or use ``value(at:)`` to avoid it).
    @inlinable public var values: ContiguousArray<JSONValue> {
        withFields { fields in ContiguousArray(fields.lazy.map(\.value)) }
    }

    /// Calls `body` with the fields in order (valid only during the call).
    @inlinable func withFields<R>(_ body: (UnsafeBufferPointer<Field>) throws -> R) rethrows -> R {
        try storage.withUnsafeMutablePointers { header, fields in
            try body(UnsafeBufferPointer(start: fields, count: header.pointee.count))
        }
    }

    /// The position of `key`, if present.
    @inlinable public func index(forKey key: String) -> Int? {
        if storage.hasIndex, let index = storage.headerValue.index { return index[key] }
        return withFields { fields in
            // Compare lengths first: a cheap filter before String equality.
            let length = key.utf8.count
            for i in 0..<fields.count where fields[i].key.utf8.count == length && fields[i].key == key { return i }
            return nil
        }
    }

    /// The key at position `i` (0 ≤ i < count).
    @inlinable public func key(at i: Int) -> String {
        precondition(i >= 0 && i < count, "JSONObject index out of range")
        return withFields { $0[i].key }
    }

    /// The value at position `i` (0 ≤ i < count).
    @inlinable public func value(at i: Int) -> JSONValue {
        precondition(i >= 0 && i < count, "JSONObject index out of range")
        return withFields { $0[i].value }
    }

    /// Reads, replaces (keeping position), appends, or with `nil` removes a field.
    @inlinable public subscript(key: String) -> JSONValue? {
        get {
            guard let i = index(forKey: key) else { return nil }
            return withFields { $0[i].value }
        }
        set {
            if let newValue { setValue(newValue, forKey: key) } else { removeValue(forKey: key) }
        }
    }

    /// Makes the storage unique with room for at least `capacity` fields.
    @usableFromInline mutating func makeUnique(capacity: Int) {
        let header = storage.headerValue
        if isKnownUniquelyReferenced(&storage) && header.capacity >= capacity { return }
        let newCapacity = header.capacity >= capacity ? header.capacity : Swift.max(capacity, header.capacity * 2, 4)
        let copy = Storage.make(capacity: newCapacity)
        let unique = isKnownUniquelyReferenced(&storage)
        storage.withUnsafeMutablePointers { oldHeader, oldFields in
            copy.withUnsafeMutablePointers { newHeader, newFields in
                if unique {
                    newFields.moveInitialize(from: oldFields, count: oldHeader.pointee.count)
                    oldHeader.pointee.count = 0
                } else {
                    // One field at a time: specialised copies (retains) instead of the generic
                    // value-witness loop that a bulk `initialize(from:count:)` runs.
                    for i in 0..<oldHeader.pointee.count { (newFields + i).initialize(to: oldFields[i]) }
                }
                newHeader.pointee.count = header.count
                newHeader.pointee.index = header.index
                newHeader.pointee.sizeBound = header.sizeBound
            }
        }
        storage = copy
    }

    /// Replaces the value of `key` in place, or appends the field.
    public mutating func setValue(_ value: JSONValue, forKey key: String) {
        if let i = index(forKey: key) {
            setValue(value, at: i)
            return
        }
        let n = count
        makeUnique(capacity: n + 1)
        storage.withUnsafeMutablePointers { header, fields in
            (fields + n).initialize(to: Field(key: key, value: value))
            header.pointee.count = n + 1
            let bound = header.pointee.sizeBound
            if bound >= 0 { header.pointee.sizeBound = bound &+ 4 &+ 6 &* key.utf8.count &+ value.sizeBound }
            if header.pointee.index != nil { header.pointee.index![key] = n }
        }
        if n + 1 > Self.indexThreshold && !storage.hasIndex { rebuildIndex() }
    }

    /// Replaces the value at position `i` (0 ≤ i < count), keeping its key and position.
    @inlinable public mutating func setValue(_ value: JSONValue, at i: Int) {
        precondition(i >= 0 && i < count, "JSONObject index out of range")
        makeUnique(capacity: count)
        storage.withUnsafeMutablePointers { header, fields in
            // Swapped out rather than read in place, so measuring the old value copies nothing.
            var old = value
            swap(&fields[i].value, &old)
            let bound = header.pointee.sizeBound
            if bound >= 0 { header.pointee.sizeBound = bound &- old.sizeBound &+ value.sizeBound }
        }
    }

    /// Removes the field `key` (later fields move up one position) and returns its value.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let i = index(forKey: key) else { return nil }
        makeUnique(capacity: count)
        let old = storage.withUnsafeMutablePointers { header, fields -> JSONValue in
            let n = header.pointee.count
            let removed = (fields + i).move()
            (fields + i).moveInitialize(from: fields + i + 1, count: n - i - 1)
            header.pointee.count = n - 1
            header.pointee.index = nil
            let bound = header.pointee.sizeBound
            if bound >= 0 { header.pointee.sizeBound = bound &- 4 &- 6 &* removed.key.utf8.count &- removed.value.sizeBound }
            return removed.value
        }
        if count > Self.indexThreshold { rebuildIndex() }
        return old
    }

    /// The object's ``JSONValue/sizeBound`` (kept in the object: no walk).
    @inlinable public var sizeBound: Int {
        let recorded = storage.sizeBound
        if recorded >= 0 { return recorded }
        return withFields { Self.fieldsSizeBound($0) }
    }

    /// `{}` plus, per field, its key (as a string, with `:` and `,`) and value.
    @usableFromInline static func fieldsSizeBound(_ fields: UnsafeBufferPointer<Field>) -> Int {
        var total = 2
        for i in 0..<fields.count {
            total &+= 4 &+ 6 &* fields[i].key.utf8.count &+ fields[i].value.sizeBound
        }
        return total
    }

    /// The bound as ``JSONValue/sizeBound(limit:)`` computes it, or `nil` past `budget`.
    @usableFromInline func sizeBound(within budget: Int) -> Int? {
        let recorded = storage.sizeBound
        if recorded >= 0 { return recorded <= budget ? recorded : nil }
        return withFields { fields -> Int? in
            var total = 2
            for i in 0..<fields.count {
                total &+= 4 &+ 6 &* fields[i].key.utf8.count
                guard total <= budget, let v = fields[i].value.sizeBound(limit: budget &- total) else { return nil }
                total &+= v
            }
            return total <= budget ? total : nil
        }
    }

    @usableFromInline mutating func rebuildIndex() {
        storage.withUnsafeMutablePointers { header, fields in
            let n = header.pointee.count
            var index = [String: Int](minimumCapacity: n)
            for i in 0..<n { index[fields[i].key] = i }
            header.pointee.index = index
        }
    }

    /// Fields in order.
    public var entries: [(key: String, value: JSONValue)] {
        withFields { fields in fields.map { ($0.key, $0.value) } }
    }

    /// Order-insensitive equality, as JSON object equality is.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        if lhs.storage === rhs.storage { return true }
        guard lhs.count == rhs.count else { return false }
        return lhs.withFields { fields in
            for field in fields {
                guard let v = rhs[field.key], v == field.value else { return false }
            }
            return true
        }
    }

    /// Order-insensitive hash, consistent with `==`.
    public func hash(into hasher: inout Hasher) {
        // Order-insensitive: combine per-entry hashes commutatively.
        var acc = 0
        withFields { fields in
            for field in fields {
                var h = Hasher()
                h.combine(field.key)
                h.combine(field.value)
                acc ^= h.finalize()
            }
        }
        hasher.combine(count)
        hasher.combine(acc)
    }
}

extension JSONObject: Sequence {
    /// Iterates the fields in order without copying them out.
    public struct Iterator: IteratorProtocol {
        let object: JSONObject
        var i = 0
        /// The next field in order.
        public mutating func next() -> (key: String, value: JSONValue)? {
            guard i < object.count else { return nil }
            defer { i += 1 }
            return object.withFields { ($0[i].key, $0[i].value) }
        }
    }
    /// Iterates `(key, value)` pairs in order.
    public func makeIterator() -> Iterator { Iterator(object: self) }
    /// The number of fields.
    public var underestimatedCount: Int { count }
}
