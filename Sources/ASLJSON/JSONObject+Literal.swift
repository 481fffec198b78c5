extension JSONObject: ExpressibleByDictionaryLiteral {
    /// `["a": 1, "b": "x"]` — keys in the order written; a repeated key keeps its last value.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(minimumCapacity: elements.count)
        for (k, v) in elements { self[k] = v }
    }
}
