import ASLJSON

extension Compiler {
    /// Validates a definition's text and, when it is valid, compiles it: the path from a
    /// definition to a ``Program`` that ``StateMachine`` takes. The validator has already
    /// parsed every expression with the compiler's parsers; a compile diagnostic here means the
    /// two disagree, and it is reported rather than lost.
    static func validateAndCompile(_ text: String, type: WorkflowType) -> (result: ValidationResult, program: Program?) {
        let result = Validator.validate(text, type: type)
        guard let machine = result.definition else { return (result, nil) }
        switch compile(machine, parsed: result.parsed) {
        case .success(let program): return (result, program)
        case .failure(let error):
            // `definition` holds the whole machine here, so its root is the JSON the pointers index.
            let located = error.diagnostics.map { d in
                var d = d
                if let location = d.location { d.locationText = Validator.awsLocation(location, in: machine.raw) }
                return d
            }
            return (ValidationResult(diagnostics: result.diagnostics + located, definition: nil), nil)
        }
    }
}
