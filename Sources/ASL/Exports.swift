/// `import ASL` is all an embedding program needs: `JSONValue`, `JSONObject`, `JSONParser` and
/// `JSONWriter` (module `ASLJSON`, which is not a product of its own) come with it.
@_exported import ASLJSON
